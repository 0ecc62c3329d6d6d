#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "actors/call.hpp"
#include "actors/deferred_reply.hpp"
#include "actors/json.hpp"

namespace actorserve {

/// Calls the route at `path` of this service from the route that is
/// answering `parent`, without blocking: return the deferred_reply (or one
/// `then` makes of it) from the route function.
///
/// The child call inherits what is left of `parent`'s deadline (or
/// `timeout`, when that is shorter), carries `parent.id` as its parent and
/// runs wherever the route lives (this process, a worker, another host).
/// Its error comes back as a reply with the route's error type and message:
/// NotFound for a path the service does not have, CallDepthExceeded past
/// node_options::max_call_depth.
///
/// For a stateful route, route_actor::call_route does the same and runs
/// the continuation in the actor.
deferred_reply call_route(const call& parent, std::string path, json input = nullptr,
                          std::optional<std::chrono::nanoseconds> timeout = std::nullopt);

} // namespace actorserve
