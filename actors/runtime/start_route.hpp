#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/node_id.hpp>

#include <memory>

#include "actors/application.hpp"
#include "actors/metrics.hpp"
#include "actors/runtime/route_directory.hpp"
#include "actors/worker_context.hpp"

namespace actorserve {

/// Starts `spec.options.concurrency` instances of a route, each constructed
/// with `context`, and the gate in front of them; returns the gate. A route
/// constructor that throws propagates out of here, with the route's path
/// added to the message (std::runtime_error), and nothing is left running.
///
/// In a worker, `supervisor` is its supervisor's node: the gate takes calls
/// from there, and leaves answering at the deadline to the supervisor's gate.
/// `directory` is what the route's calls may call (call::routes). The gate
/// counts its calls in `metrics` (none when it is null).
caf::actor start_route(caf::actor_system& sys, const route_spec& spec,
                       const worker_context& context, const caf::node_id& supervisor = {},
                       std::shared_ptr<const route_directory> directory = nullptr,
                       std::shared_ptr<metrics::registry> metrics = nullptr);

} // namespace actorserve
