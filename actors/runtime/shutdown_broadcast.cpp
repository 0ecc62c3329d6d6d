#include "actors/runtime/shutdown_broadcast.hpp"

#include <algorithm>

#include "actors/runtime/atoms.hpp"
#include "actors/runtime/local_only.hpp"
#include "actors/log.hpp"
#include "actors/service_notify.hpp"

namespace actorserve {

shutdown_broadcast::shutdown_broadcast(caf::actor_config& cfg,
                       std::chrono::milliseconds drain_timeout)
  : caf::event_based_actor(cfg), drain_timeout_(drain_timeout) {
  set_default_handler(caf::drop); // what no handler takes: forged or stray

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
    [this](join_atom, caf::actor participant, local_only) {
      monitor(participant);
      participants_.push_back(participant);
      if (draining_)
        send(participant, shutdown_atom::value, local_only{});
    },
    [this](shutdown_atom, local_only) { begin_drain(); },
    [this](drained_atom, local_only) {
      drained_.insert(current_sender() ? current_sender()->address() : caf::actor_addr{});
      check_drained();
    },
    [this](deadline_atom, local_only) {
      log::warning("drain deadline of " + std::to_string(drain_timeout_.count())
                   + " ms passed with "
                   + std::to_string(participants_.size() - drained_.size())
                   + " participant(s) still busy; stopping them");
      stop_all();
    },
    [this](stop_atom, local_only) { stop_all(); },
  };
}

void shutdown_broadcast::begin_drain() {
  if (draining_)
    return;
  draining_ = true;
  log::info("shutting down: draining calls in flight");
  // Only a process that took NOTIFY_SOCKET tells: the main one, not its workers.
  notify_stopping();
  for (auto& p : participants_)
    send(p, shutdown_atom::value, local_only{});
  delayed_send(this, drain_timeout_, deadline_atom::value, local_only{});
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
    send(p, stop_atom::value, local_only{});
  }
  participants_.clear();
  quit();
}

} // namespace actorserve
