#pragma once

#include <functional>

#include <caf/actor.hpp>

namespace actorserve {

class node;

/// What a gateway does when the shutdown broadcast reaches it.
struct gateway_hooks {
  /// Stop accepting connections and calls; once nothing is in flight and
  /// every reply is written, call `drained` (once, from any thread).
  std::function<void(std::function<void()> drained)> begin_drain;
  /// Close every connection and release everything. Runs on an actor's
  /// thread: hand the work to the gateway's own threads, do not block.
  std::function<void()> stop;
};

/// Gives a gateway its seat in the shutdown broadcast: spawns the actor that
/// speaks the supervisor's protocol for it and joins it to the node.
caf::actor join_gateway(node& n, gateway_hooks hooks);

} // namespace actorserve
