#pragma once

#include <chrono>
#include <memory>

#include <caf/actor.hpp>
#include <caf/actor_clock.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/metrics.hpp"
#include "actors/runtime/gather.hpp"

namespace actorserve {

/// A worker's link to its supervisor: answers heartbeats, turns the
/// supervisor's stop into this node's own, and stops the worker when the
/// supervisor is gone (connection lost, or silent for the heartbeat timeout)
/// or evicts it. It also takes part in this node's broadcast: a worker that
/// shuts down on its own (a signal) tells the supervisor it is leaving, so
/// no new calls reach it.
class worker_agent : public caf::event_based_actor {
public:
  /// `link_token` is what the supervisor gave this worker when it joined:
  /// messages over the link count only when they carry it.
  worker_agent(caf::actor_config& cfg, caf::actor supervisor, caf::actor local_broadcast,
               int index, std::string link_token,
               std::chrono::milliseconds heartbeat_interval,
               std::chrono::milliseconds heartbeat_timeout,
               std::shared_ptr<metrics::registry> metrics = nullptr,
               gather_targets gates = {});

  caf::behavior make_behavior() override;

  void on_exit() override;

private:
  bool from_supervisor(const std::string& token) const;
  void stop_worker(const std::string& why);

  caf::actor supervisor_;
  caf::actor local_broadcast_;
  int index_;
  std::string link_token_;
  std::chrono::milliseconds heartbeat_interval_;
  std::chrono::milliseconds heartbeat_timeout_;
  caf::actor_clock::time_point last_ping_;
  bool leaving_ = false;
  std::shared_ptr<metrics::registry> metrics_; // what its supervisor may read
  gather_targets gates_; // this node's route gates, by path (their calls in flight)
};

} // namespace actorserve
