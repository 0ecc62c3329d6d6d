#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "actors/json.hpp"

namespace actorserve {

/// A worker's calls in flight (its agent's answer to GET /debug/calls: one
/// entry per route, as each gate lists its own) as the supervisor's node
/// lists them under that worker. A worker is one of the service's own
/// processes, but a bug in one must not make the answer huge or odd, so
/// only the shape a gate writes is taken:
/// - routes that `paths` (the routes the node serves) holds, each once;
/// - per route its figures (capacity, in_flight, waiting,
///   oldest_age_seconds, calls_not_listed) when they have their types;
/// - at most `max_calls` calls per route, counted in calls_not_listed past
///   that; of each call the fields a gate writes, of their types (a
///   request id only as a gateway accepts one), and the `worker` and `pid`
///   the supervisor knows, not what the worker wrote.
/// Anything else is left out.
json worker_calls(const json& answer, const std::vector<std::string>& paths,
                  const json& worker, const json& pid, std::size_t max_calls);

} // namespace actorserve
