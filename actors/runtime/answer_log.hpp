#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "actors/call.hpp"
#include "actors/reply.hpp"

namespace actorserve {

/// The log line about an answered call of the route at `path`, at the level
/// its outcome deserves (docs/operations.md): debug when it succeeded or was
/// shed for load, info for a Timeout, warning when the service failed it.
/// `took` is from its admission (none for a call refused before it). A
/// supervisor's gate (`remote`) logs only what befell the call on the way:
/// the worker logs what its route answered.
void log_answer(const std::string& path, bool remote, const call& request,
                std::optional<std::chrono::nanoseconds> took, const reply& r);

} // namespace actorserve
