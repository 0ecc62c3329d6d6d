#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "actors/json.hpp"

namespace actorserve {

/// The longest request id listed of a worker's call: longer than any a
/// gateway makes (a client's is at most 128 bytes, a socket connection's
/// and record's about 90).
inline constexpr std::size_t max_listed_request_id = 256;

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
///   request id of printable ASCII without spaces, at most
///   max_listed_request_id bytes), and the `worker` and `pid`
///   the supervisor knows, not what the worker wrote.
/// Anything else is left out.
json worker_calls(const json& answer, const std::vector<std::string>& paths,
                  const json& worker, const json& pid, std::size_t max_calls);

} // namespace actorserve
