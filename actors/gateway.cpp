#include "actors/gateway.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include "actors/runtime/atoms.hpp"
#include "actors/runtime/local_only.hpp"
#include "actors/node.hpp"

namespace actorserve {

namespace {

class gateway_participant : public caf::event_based_actor {
public:
  gateway_participant(caf::actor_config& cfg, gateway_hooks hooks)
    : caf::event_based_actor(cfg), hooks_(std::move(hooks)) {
    set_default_handler(caf::drop);
  }

  caf::behavior make_behavior() override {
    return {
      [this](shutdown_atom, local_only) {
        broadcast_ = caf::actor_cast<caf::actor>(current_sender());
        auto me = caf::actor_cast<caf::actor>(this);
        // The gateway reports from its own thread; the report comes back here
        // so the broadcast hears it from this actor.
        hooks_.begin_drain([me] { caf::anon_send(me, drained_atom::value, local_only{}); });
      },
      [this](drained_atom, local_only) {
        if (broadcast_)
          send(broadcast_, drained_atom::value, local_only{});
      },
      [this](stop_atom, local_only) {
        hooks_.stop();
        broadcast_ = nullptr;
        quit();
      },
    };
  }

private:
  gateway_hooks hooks_;
  caf::actor broadcast_;
};

} // namespace

caf::actor join_gateway(node& n, gateway_hooks hooks) {
  auto participant = n.system().spawn<gateway_participant>(std::move(hooks));
  n.join(participant);
  return participant;
}

gateway_metrics gateway_metrics_of(node& n, const std::string& name) {
  gateway_metrics m;
  if (auto registry = n.metrics()) {
    m.requests = &registry->counter_of("actorserve_gateway_requests_total",
                                       "Requests (HTTP), records (socket) or messages (FIFO) "
                                       "a gateway took.",
                                       {{"gateway", name}});
    m.connections = &registry->gauge_of("actorserve_gateway_connections",
                                        "Connections a gateway has open (FIFO: 1 while a "
                                        "client has its pipes open).",
                                        {{"gateway", name}});
  }
  return m;
}

} // namespace actorserve
