#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_clock.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>

#include "actors/json.hpp"
#include "actors/worker_options.hpp"
#include "actors/worker_status.hpp"
#include "actors/workers/join_protocol.hpp"
#include "actors/workers/restart_schedule.hpp"
#include "actors/workers/worker_board.hpp"
#include "actors/workers/worker_process.hpp"

namespace actorserve {

struct supervisor_settings {
  worker_options options;
  /// The main node's gate of each route, by path: workers' route gates are
  /// added to them as instances.
  std::vector<std::pair<std::string, caf::actor>> gates;
  std::shared_ptr<worker_board> board;
  /// CAF's broker for the node's links (link_broker), which adopts each
  /// worker's end of its socket pair.
  caf::actor link_broker;
};

/// The supervisor of a node's workers: starts the worker processes, admits
/// workers that prove the secret, hands each route gate of a ready worker to
/// the main node's gates, pings workers, restarts dead ones with back-off
/// (restart_schedule), and stops them all at the end of the shutdown
/// broadcast.
///
/// Speaks the protocol of join_protocol.hpp, plus:
/// - `(start_atom)` → std::string: answered once every worker
///   of the node's own is ready (empty) or one failed to start (its index and
///   error); see start_own_workers;
/// - the broadcast's `shutdown_atom` (no more restarts; drained at once: the
///   gates hold the calls) and `stop_atom` (workers shut down; the supervisor
///   quits once every worker process has exited).
class supervisor : public caf::event_based_actor {
public:
  supervisor(caf::actor_config& cfg, supervisor_settings settings);

  caf::behavior make_behavior() override;

  void on_exit() override;

private:
  using time_point = caf::actor_clock::time_point;

  struct slot {
    int index = 0;
    json context;
    bool own = true; // started by this supervisor (else: joined on its own)
    std::unique_ptr<worker_process> process;
    caf::actor agent;
    std::uint64_t generation = 0; // which start of the slot a timer is for
    time_point started;
    time_point last_pong;
    /// When its link closed while its process still ran: the reaper gets a
    /// moment to tell how the process ended (a crash, a kill) before the
    /// loss is reported with the closed link as its reason.
    std::optional<time_point> link_lost;
    /// Given to its worker once it proved the secret; what every message
    /// between the two carries (join_protocol.hpp).
    std::string link_token;
    restart_schedule restarts{restart_policy{}}; // used by own slots only
    worker_status status;
  };

  caf::actor_addr sender_address();
  caf::result<worker_assignment> prove(const worker_proof& proof);
  void ready(worker_ready& report);
  void start_failed(int index, const std::string& why, std::uint64_t generation);
  void start_process(slot& s);
  void lost(slot& s, const std::string& why);
  void schedule_restart(slot& s);
  void tick();
  /// Makes the next tick come within `delay`, unless one comes sooner.
  void schedule_tick(caf::timespan delay);
  /// Every worker is ready, linked and alive, and nothing starts or stops:
  /// the supervisor only needs to tick for heartbeats.
  bool settled() const;
  /// When settled: how long until the next ping is due, or a worker that
  /// stays silent would be past its heartbeat timeout.
  caf::timespan until_heartbeat_due() const;
  void check_started();
  void fail_start(const std::string& why);
  void begin_stop();
  /// The slot `index` when `token` is its link token (its worker proved the
  /// secret and was given it), or nullptr.
  slot* proven(int index, const std::string& token);
  void check_stopped();
  /// Asks every ready worker's agent `(question, its link token)` and
  /// answers with a reply holding {"<index>": what each answered in time}:
  /// their metrics, their calls in flight.
  template <class Atom>
  caf::response_promise ask_ready_workers(Atom question, std::chrono::milliseconds timeout);
  void publish(slot& s, worker_state state);
  slot* find(int index);
  slot* find_agent(const caf::actor_addr& agent);

  supervisor_settings settings_;
  std::map<int, slot> slots_;
  join_gatekeeper gatekeeper_;
  /// Processes of lost workers, killed and waiting to be reaped.
  std::vector<std::unique_ptr<worker_process>> dying_;
  caf::response_promise start_promise_;
  bool starting_ = false;
  bool draining_ = false;
  bool stopping_ = false;
  time_point next_ping_;
  /// The tick to come: when, and its number (an earlier one replaces it;
  /// a replaced tick that still arrives is ignored).
  time_point next_tick_ = time_point::max();
  std::uint64_t tick_number_ = 0;
  time_point start_began_;
  time_point stop_deadline_;
};

/// Starts the supervisor's own workers, each with a link of its own made
/// before it starts, and waits until every one is ready: returns "" then,
/// or why the start failed (naming the worker).
std::string start_own_workers(caf::actor_system& sys, const caf::actor& supervisor,
                              std::chrono::milliseconds start_timeout);

} // namespace actorserve
