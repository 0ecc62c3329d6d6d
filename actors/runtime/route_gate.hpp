#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>

#include "actors/call.hpp"
#include "actors/cancel_token.hpp"
#include "actors/runtime/function_route.hpp"
#include "actors/runtime/in_place_route.hpp"
#include "actors/reply.hpp"
#include "actors/runtime/reply_callback.hpp"
#include "actors/route_options.hpp"
#include "actors/runtime/route_directory.hpp"
#include "actors/runtime/route_metrics.hpp"
#include "actors/runtime/worker_batch.hpp"

namespace actorserve {

/// What a gate is built from: its route's instances, already started, and
/// how to start a replacement for one that dies.
struct gate_settings {
  std::string path;
  route_options options;
  std::vector<caf::actor> instances;
  std::function<caf::actor()> respawn;
  /// A non-blocking plain function the gate runs in place of instances: it
  /// answers at once, so two messages per call are saved. Callers' threads
  /// may run it too (in_place_route.hpp): the gate counts their calls with
  /// its own, and makes them refuse calls once it drains, stops or ends.
  std::shared_ptr<in_place_route> in_place;
  /// The instances are the route's gates in worker processes, added and
  /// removed by the worker supervisor: the gate does not own them, a lost one
  /// fails its calls with WorkerLost, and the route's capacity counts per
  /// worker (each worker's gate applies its own).
  bool remote = false;
  /// Besides this node, the node whose actors may call the route: a
  /// worker's gates take calls from their supervisor. Messages from any
  /// other node (any peer that reached the node port) are dropped.
  caf::node_id caller_node;
  /// The gate answers Timeout at a call's deadline. A worker's gate leaves
  /// that to its supervisor's gate, and answers only when the route has:
  /// until then the call counts as outstanding on both sides.
  bool answer_at_deadline = true;
  /// The routes of this process, which the calls it admits may call; also
  /// sets how deep a chain of calls may go (CallDepthExceeded past it).
  std::shared_ptr<const route_directory> directory;
  /// Where the gate counts its calls (docs/operations.md), or nullptr: no
  /// metrics.
  std::shared_ptr<route_metrics> metrics;
};

/// The one door to a route: admission (capacity, shutdown), deadlines, and
/// dispatch to the route's instances (fewest calls outstanding first).
///
/// Speaks:
/// - `(call_atom, call)` → `reply` (to an actor), or
///   `(call_atom, call, reply_callback)` (for code that is not an actor);
/// - `shutdown_atom`: refuse new calls with ShuttingDown, answer
///   `drained_atom` to the sender once nothing is in flight;
/// - `(replace_instance_atom, local_only)`, from itself: start an instance in place
///   of one that stopped (start_replacement());
/// - `stop_atom`: answer what is left with ShuttingDown, stop the instances,
///   quit;
/// Control messages (`shutdown_atom`, `stop_atom` and those below) carry
/// `local_only` (local_only.hpp), which no message from another process can
/// hold: a peer that reached the node's port controls nothing. `(call_atom,
/// call)` is taken only from this process; a worker's gate takes its
/// supervisor's calls in batches (below), by the sender's node, which a peer
/// can forge: calls are what any client of a gateway may make.
///
/// Between a supervisor's gate and a worker's, calls and replies travel
/// many to a message (worker_batch.hpp): `(call_batch_atom, call_batch)` to
/// the worker's gate, taken from this process or its supervisor's, and
/// `(reply_batch_atom, reply_batch)` back to the sender, taken only under
/// the random key the supervisor's gate drew for that worker gate, and only
/// for calls sent to it. A gate gathers what a message makes it send, and
/// sends it when that message is handled if nothing else waits in its
/// mailbox (a lone call goes at once), else after what waits: calls that
/// arrive together share a message.
///
/// - `(counts_atom, local_only)` → (admitted, timed out before running,
///   dropped because their caller gave up, of the admitted those their
///   callers' threads ran themselves);
/// - `(debug_calls_atom, local_only)` → a reply with its capacity, what is
///   in flight and waiting, and its oldest calls (GET /debug/calls);
/// - `(cancel_atom, ticket)`: the supervisor's gate cancels a call it sent
///   to this worker's gate (taken from the supervisor only);
/// - remote gates only: `(add_instance_atom, worker, gate)`,
///   `(lost_worker_atom, worker, why)` (its calls fail with WorkerLost now)
///   and `(retire_worker_atom, worker)` (no new calls; those it has finish).
///
/// A call still running at its deadline is answered Timeout then, and keeps
/// its place in the capacity until the route answers: capacity counts work
/// the route is really doing. A call still waiting for an instance (or a
/// batch) at its deadline is dropped without running, and frees its place.
///
/// A call whose cancel_token is cancelled (its client left, its parent gave
/// up) before it runs is dropped, answered Cancelled, and frees its place;
/// one already running runs on, and its own calls to routes are dropped. At
/// a running call's deadline its token is cancelled, for the same reason.
///
/// A batching route (route_options::batch_size) gets its waiting calls as
/// one call whose input is the list of theirs, when `batch_size` wait or
/// `batch_wait_time` after the oldest arrived, and answers each with its
/// place in the list it returns.
class route_gate : public caf::event_based_actor {
public:
  route_gate(caf::actor_config& cfg, gate_settings settings);

  /// The most calls `(debug_calls_atom, local_only)` lists; the rest are
  /// counted as calls_not_listed.
  static constexpr std::size_t max_calls_listed = 256;

  caf::behavior make_behavior() override;

  void on_exit() override;

private:
  struct instance {
    caf::actor handle;
    std::uint64_t id = 0;
    std::size_t outstanding = 0;
    int worker = -1; // remote gates: the worker it runs in
    bool retired = false; // takes no new calls; its own still run
    std::vector<worker_call> outbox; // remote gates: dispatched, not yet sent
    batch_key key; // remote gates: what its replies must carry
  };

  struct pending_call {
    call request;
    caf::response_promise promise;
    reply_callback callback;
    deadline_point admitted;
    std::multimap<deadline_point, std::uint64_t>::iterator deadline_entry;
    bool dispatched = false;
    bool answered = false;
    // A worker's gate, a call from its supervisor's: the supervisor gate's
    // id for it (its cancel names it), where its reply goes, and the key
    // the reply carries.
    std::uint64_t ticket = 0;
    caf::strong_actor_ptr reply_to;
    batch_key key;
    bool unwanted = false; // in a batch, but answered (timed out, cancelled)
    bool counted = false; // admitted: its duration is measured
    std::uint64_t instance_id = 0;
    std::uint64_t batch = 0; // the batch it runs in, if any
  };

  /// A batch in flight: its calls in the order of their inputs, and the
  /// token its own calls to routes carry, cancelled once none of its calls
  /// is still wanted.
  struct batch_run {
    std::vector<std::uint64_t> members;
    std::shared_ptr<cancel_token> cancel;
    std::size_t wanted = 0;
  };

  using pending_iterator = std::unordered_map<std::uint64_t, pending_call>::iterator;

  /// A call of a worker's gate from a batch (`reply_to` set): answered in a
  /// batch of replies under `key`.
  struct batch_origin {
    std::uint64_t ticket = 0;
    caf::strong_actor_ptr reply_to;
    batch_key key;
  };

  void admit(call&& request, caf::response_promise promise, reply_callback callback,
             batch_origin origin);
  /// Replies from a worker's gate: each answers its call if it went to the
  /// instance whose key the batch carries.
  void take_replies(reply_batch& batch);
  /// Something waits to be sent: sent when the message being handled is
  /// (gather_scope), else by a flush message.
  void outgoing_added();
  void schedule_flush();
  /// What a message gathered: sent now if the mailbox is empty, else by a
  /// flush message behind what waits.
  void send_gathered_when_idle();

  /// Marks the handling of one message: what it makes the gate send is
  /// gathered, and sent at its end (send_gathered_when_idle).
  class gather_scope {
  public:
    explicit gather_scope(route_gate& gate) : gate_(gate), outer_(!gate.gathering_) {
      gate.gathering_ = true;
    }
    ~gather_scope() {
      if (outer_)
        gate_.send_gathered_when_idle();
    }
    gather_scope(const gather_scope&) = delete;
    gather_scope& operator=(const gather_scope&) = delete;

  private:
    route_gate& gate_;
    bool outer_;
  };
  /// Sends every batch gathered.
  void send_gathered();
  void send_calls(instance& target);
  void send_replies();
  /// Keeps `p` in flight: its id, its deadline, its supervisor's id.
  std::pair<std::uint64_t, pending_iterator> file(pending_call&& p);
  void watch_cancel(std::uint64_t call_id, pending_call& p);
  void on_cancel(std::uint64_t call_id);
  void run_in_place(pending_call&& p);
  void answer(pending_call& p, reply r);
  /// The log line about an answered call (log levels: docs/operations.md).
  void log_answer(const pending_call& p, const reply& r);
  /// Answers a call that never runs, and counts why.
  void drop(pending_call& p, drop_reason why, reply r);
  /// Tells the metrics what is in flight now.
  void publish_load() noexcept {
    if (settings_.metrics)
      settings_.metrics->load(pending_.size(), waiting_count_);
  }
  void publish_capacity() {
    if (settings_.metrics)
      settings_.metrics->capacity(capacity());
  }
  instance* free_instance();
  void dispatch(std::uint64_t call_id, pending_call& p, instance& target);
  void dispatch_waiting();
  void finish(std::uint64_t call_id, std::uint64_t instance_id, reply r);
  void forget(pending_iterator it);
  reply failed_dispatch(const caf::error& err) const;
  bool batching() const noexcept {
    return settings_.options.batch_size > 0;
  }
  void run_batches();
  void dispatch_batch(instance* target, deadline_point now);
  void finish_batch(std::uint64_t batch_id, std::uint64_t instance_id, reply r);
  void schedule_batch_timer(deadline_point when);
  void unwant(pending_call& p);
  void sweep();
  void schedule_tick(deadline_point when);
  void instance_down(const caf::down_msg& msg);
  /// Starts an instance in place of one that stopped (not while draining),
  /// never on a gateway's thread (calling_thread_unit.hpp).
  void start_replacement();
  void add_instance(caf::actor handle, int worker = -1);
  void fail_calls_of(std::uint64_t instance_id, const reply& failure);
  reply lost_reply(const std::string& why) const;
  std::size_t capacity() const;
  /// Its figures and its calls, oldest first (debug_calls_atom).
  json calls_in_flight() const;
  bool may_call();
  void remove_worker(int worker, const reply& failure);
  void check_drained();
  void stop();

  gate_settings settings_;
  std::vector<instance> instances_;
  std::uint64_t next_instance_id_ = 1;
  std::size_t next_pick_ = 0; // spreads calls among equally loaded instances
  std::unordered_map<std::uint64_t, pending_call> pending_;
  std::uint64_t next_call_id_ = 1;
  std::deque<std::uint64_t> waiting_; // may hold calls already forgotten
  std::size_t waiting_count_ = 0; // admitted calls not yet dispatched
  std::unordered_map<std::uint64_t, batch_run> batches_;
  std::uint64_t next_batch_id_ = 1;
  deadline_point batch_due_ = deadline_point::max();
  // A worker's gate: its supervisor gate's tickets, for their cancels.
  std::unordered_map<std::uint64_t, std::uint64_t> by_ticket_;
  // A worker's gate: replies not yet sent, to whom, under which key.
  struct outgoing_reply {
    caf::strong_actor_ptr to;
    batch_key key;
    worker_reply reply;
  };
  std::vector<outgoing_reply> replies_out_;
  bool gathering_ = false; // in a message whose end sends what it gathered
  bool has_gathered_ = false; // calls or replies wait to be sent
  bool flush_pending_ = false; // a flush message is in the mailbox
  // What the gate counts (counts_atom).
  std::uint64_t admitted_ = 0;
  std::uint64_t timed_out_waiting_ = 0;
  std::uint64_t dropped_gone_ = 0;
  std::multimap<deadline_point, std::uint64_t> deadlines_;
  deadline_point next_tick_ = deadline_point::max();
  caf::actor drain_listener_;
  bool draining_ = false;
  bool drained_sent_ = false;
};

} // namespace actorserve
