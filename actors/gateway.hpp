#pragma once

#include <functional>
#include <memory>
#include <string>

#include <caf/actor.hpp>

#include "actors/metrics.hpp"

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
/// speaks the broadcast's protocol for it and joins it to the node.
caf::actor join_gateway(node& n, gateway_hooks hooks);

/// The same for a gateway whose state has `begin_drain(drained)` and
/// `stop()`, held weakly: a gateway already gone counts as drained.
template <class Gateway>
caf::actor join_gateway(node& n, std::weak_ptr<Gateway> weak) {
  return join_gateway(n, gateway_hooks{
                           [weak](std::function<void()> drained) {
                             if (auto self = weak.lock())
                               self->begin_drain(std::move(drained));
                             else
                               drained(); // nothing of it is in flight
                           },
                           [weak] {
                             if (auto self = weak.lock())
                               self->stop();
                           },
                         });
}

/// What a gateway counts (docs/operations.md): its requests, records or
/// messages (actorserve_gateway_requests_total) and its open connections
/// (actorserve_gateway_connections), labelled gateway=`name`. Both null
/// when the node keeps no metrics.
struct gateway_metrics {
  metrics::counter* requests = nullptr;
  metrics::gauge* connections = nullptr;

  void request() noexcept {
    if (requests != nullptr)
      requests->add();
  }
  void open(std::size_t n) noexcept {
    if (connections != nullptr)
      connections->set(static_cast<std::int64_t>(n));
  }
};

gateway_metrics gateway_metrics_of(node& n, const std::string& name);

} // namespace actorserve
