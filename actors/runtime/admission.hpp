#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "actors/call.hpp"
#include "actors/reply.hpp"
#include "actors/runtime/route_metrics.hpp"

namespace actorserve {

/// How a call that must not run is answered: the error, and why it counts
/// as dropped (none for input that could not be decoded: answered, not
/// dropped).
struct admission_refusal {
  std::optional<drop_reason> dropped;
  reply answer;
};

/// The answer to a call from a gateway while the service drains.
reply shutting_down_refusal(const std::string& path);

/// What every call to the route at `path` must pass before it runs, whoever
/// admits it (its gate, or a gateway's thread running the route in place):
/// input that was decoded, a deadline after `now`, at most `max_depth` route
/// calls deep, and a caller that has not given up. Nothing when it passes.
std::optional<admission_refusal> refusal_at_admission(const std::string& path,
                                                      const call& request, deadline_point now,
                                                      std::uint32_t max_depth);

} // namespace actorserve
