#pragma once

#include <chrono>
#include <set>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/event_based_actor.hpp>

namespace actorserve {

/// Runs a node's shutdown broadcast. Participants (route gates, gateways,
/// the worker supervisor) join with `(join_atom, actor)`. On `shutdown_atom`
/// it sends `shutdown_atom` to every participant and waits until each
/// answers `drained_atom` (or dies), at most `drain_timeout`; then it sends
/// `stop_atom` to all and quits. `stop_atom` sent to it skips the wait (a
/// second SIGINT).
///
/// A participant's part: on `shutdown_atom`, stop taking new work, finish
/// what it admitted, then answer `drained_atom` to the sender; on
/// `stop_atom`, release everything and quit.
///
/// Every one of these messages carries `local_only` (local_only.hpp): no
/// message from another process can join, drain or stop anything.
class shutdown_broadcast : public caf::event_based_actor {
public:
  shutdown_broadcast(caf::actor_config& cfg, std::chrono::milliseconds drain_timeout);

  caf::behavior make_behavior() override;

private:
  void begin_drain();
  void check_drained();
  void stop_all();

  std::chrono::milliseconds drain_timeout_;
  std::vector<caf::actor> participants_;
  std::set<caf::actor_addr> drained_;
  bool draining_ = false;
};

} // namespace actorserve
