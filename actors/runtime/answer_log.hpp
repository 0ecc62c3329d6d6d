#pragma once

#include <optional>
#include <string>

#include "actors/call.hpp"
#include "actors/reply.hpp"

namespace actorserve {

/// The log line about an answered call of the route at `path`, at the level
/// its outcome deserves (docs/operations.md): debug when it succeeded or was
/// shed for load, info for a Timeout, warning when the service failed it. A
/// supervisor's gate (`remote`) logs only what befell the call on the way:
/// the worker logs what its route answered. `admitted` is when the call was
/// admitted (none for a call refused before it), on `clock`: the time it
/// took is read only when the line is written.
void log_answer(const std::string& path, bool remote, const call& request,
                std::optional<deadline_point> admitted, const caf::actor_clock& clock,
                const reply& r);

} // namespace actorserve
