#include "actors/runtime/shutdown_broadcast.hpp"

#include <algorithm>

#include "actors/runtime/atoms.hpp"
#include "actors/log.hpp"

namespace actorserve {

shutdown_broadcast::shutdown_broadcast(caf::actor_config& cfg,
                       std::chrono::milliseconds drain_timeout)
  : caf::event_based_actor(cfg), drain_timeout_(drain_timeout) {
  set_down_handler([this](caf::down_msg& msg) {
    participants_.erase(std::remove_if(participants_.begin(), participants_.end(),
                                       [&](const caf::actor& p) {
                                         return p.address() == msg.source;
                                       }),
                        participants_.end());
    drained_.erase(msg.source);
    check_drained();
  });
}

caf::behavior shutdown_broadcast::make_behavior() {
  return {
    [this](join_atom, caf::actor participant) {
      monitor(participant);
      participants_.push_back(participant);
      if (draining_)
        send(participant, shutdown_atom::value);
    },
    [this](shutdown_atom) { begin_drain(); },
    [this](drained_atom) {
      drained_.insert(current_sender() ? current_sender()->address() : caf::actor_addr{});
      check_drained();
    },
    [this](deadline_atom) {
      log::warning("drain deadline of " + std::to_string(drain_timeout_.count())
                   + " ms passed with "
                   + std::to_string(participants_.size() - drained_.size())
                   + " participant(s) still busy; stopping them");
      stop_all();
    },
    [this](stop_atom) { stop_all(); },
  };
}

void shutdown_broadcast::begin_drain() {
  if (draining_)
    return;
  draining_ = true;
  log::info("shutting down: draining calls in flight");
  for (auto& p : participants_)
    send(p, shutdown_atom::value);
  delayed_send(this, drain_timeout_, deadline_atom::value);
  check_drained();
}

void shutdown_broadcast::check_drained() {
  if (!draining_)
    return;
  for (auto& p : participants_)
    if (drained_.count(p.address()) == 0)
      return;
  stop_all();
}

void shutdown_broadcast::stop_all() {
  for (auto& p : participants_) {
    demonitor(p);
    send(p, stop_atom::value);
  }
  participants_.clear();
  quit();
}

} // namespace actorserve
