#include "actors/gateway_participant.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include "actors/atoms.hpp"
#include "actors/node.hpp"

namespace actorserve {

namespace {

class gateway_participant : public caf::event_based_actor {
public:
  gateway_participant(caf::actor_config& cfg, gateway_hooks hooks)
    : caf::event_based_actor(cfg), hooks_(std::move(hooks)) {
  }

  caf::behavior make_behavior() override {
    return {
      [this](shutdown_atom) {
        supervisor_ = caf::actor_cast<caf::actor>(current_sender());
        auto me = caf::actor_cast<caf::actor>(this);
        // The gateway reports from its own thread; the report comes back here
        // so the supervisor hears it from this actor.
        hooks_.begin_drain([me] { caf::anon_send(me, drained_atom::value); });
      },
      [this](drained_atom) {
        if (supervisor_)
          send(supervisor_, drained_atom::value);
      },
      [this](stop_atom) {
        hooks_.stop();
        supervisor_ = nullptr;
        quit();
      },
    };
  }

private:
  gateway_hooks hooks_;
  caf::actor supervisor_;
};

} // namespace

caf::actor join_gateway(node& n, gateway_hooks hooks) {
  auto participant = n.system().spawn<gateway_participant>(std::move(hooks));
  n.join(participant);
  return participant;
}

} // namespace actorserve
