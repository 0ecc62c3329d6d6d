#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/application.hpp"
#include "actors/worker_context.hpp"

namespace actorserve {

/// Starts `spec.options.concurrency` instances of a route, each constructed
/// with `context`, and the gate in front of them; returns the gate. A route
/// constructor that throws propagates out of here, with the route's path
/// added to the message (std::runtime_error), and nothing is left running.
caf::actor start_route(caf::actor_system& sys, const route_spec& spec,
                       const worker_context& context);

} // namespace actorserve
