#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/node_id.hpp>

#include <memory>

#include "actors/application.hpp"
#include "actors/metrics.hpp"
#include "actors/runtime/in_place_route.hpp"
#include "actors/runtime/route_directory.hpp"
#include "actors/worker_context.hpp"

namespace actorserve {

/// A route as start_route started it: its gate, and for a plain function
/// that does not block, what runs it in place (which a gateway's thread may
/// also run, when in_place->direct()), else nullptr.
struct started_route {
  caf::actor gate;
  std::shared_ptr<in_place_route> in_place;
};

/// Starts `spec.options.concurrency` instances of a route, each constructed
/// with `context`, and the gate in front of them; returns the gate. A route
/// constructor that throws propagates out of here, with the route's path
/// added to the message (std::runtime_error), and nothing is left running.
///
/// In a worker, `supervisor` is its supervisor's node: the gate takes calls
/// from there, and leaves answering at the deadline to the supervisor's gate.
/// `directory` is what the route's calls may call (call::routes). The gate
/// counts its calls in `metrics` (none when it is null).
started_route start_route(caf::actor_system& sys, const route_spec& spec,
                          const worker_context& context, const caf::node_id& supervisor = {},
                          std::shared_ptr<const route_directory> directory = nullptr,
                          std::shared_ptr<metrics::registry> metrics = nullptr);

} // namespace actorserve
