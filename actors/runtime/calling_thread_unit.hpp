#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <thread>
#include <vector>

#include <caf/execution_unit.hpp>
#include <caf/fwd.hpp>

namespace actorserve {

/// Lets a gateway's own thread (an I/O thread, the FIFO reader: not one of
/// CAF's) run the actors its calls wake, as a CAF scheduler thread runs the
/// actors it sends to: a call to a non-blocking route is handled on the
/// thread that read the request, right after it is sent, and its reply
/// comes back to that thread without a hand-over. Without it, each call
/// wakes a scheduler thread and its reply is handed back: on the machine
/// this was measured on, about as much CPU as the route's own work.
///
/// A non-blocking route promises not to block or burn CPU
/// (route_options::blocking); blocking routes run on their own threads
/// whoever calls them. Still, this thread also reads other clients'
/// requests, so it holds on to no actor for long:
/// - an actor handles at most `messages_per_run` messages per run here, and
///   what is left goes to the scheduler threads;
/// - the runs that follow one send stop at `runs_per_turn`, or once they
///   took twice the run limit (node_options::gateway_run_limit, wall time);
///   the rest go to the scheduler threads;
/// - an actor whose runs here take longer than the run limit runs on the
///   scheduler threads for `slow_for` once it has two slow runs against it,
///   twice as long each time it is found slow again, up to `slow_for_most`.
///   A slow run is forgiven after `fast_runs_to_forgive` fast ones: one may
///   be the machine's doing (this thread was preempted), but a route that
///   is slow now and then, or for some inputs, does not stay here.
///
/// Only this thread runs actors here: CAF calls exec_later from whichever
/// thread sends with an actor's last unit (a promise delivered outside its
/// actor does), and a job from another thread goes to the scheduler
/// threads. Units live as long as the process, as such a send may come
/// after their thread has ended.
class calling_thread_unit final : public caf::execution_unit {
public:
  static constexpr std::size_t messages_per_run = 16;
  static constexpr std::size_t runs_per_turn = 32;
  static constexpr std::size_t fast_runs_to_forgive = 16;
  static constexpr std::chrono::seconds slow_for{1};
  static constexpr std::chrono::seconds slow_for_most{256};
  /// The actors remembered as slow at once; the oldest is forgotten.
  static constexpr std::size_t slow_remembered = 64;

  /// A number no other node (or other user of of_this_thread) has: an actor
  /// system built where an earlier one was must not get the unit (and what
  /// it knew of slow actors at the same addresses) the earlier one had.
  static std::uint64_t new_owner();

  /// This thread's unit for `sys`, owned by `owner` (new_owner(); an owner
  /// keeps one `run_limit`), to pass as the execution unit of a send; nullptr (the scheduler's threads run
  /// the actor) while this thread is running actors for another owner.
  static calling_thread_unit* of_this_thread(caf::actor_system& sys, std::uint64_t owner,
                                             std::chrono::microseconds run_limit);

  calling_thread_unit(const calling_thread_unit&) = delete;
  calling_thread_unit& operator=(const calling_thread_unit&) = delete;

  /// Called by CAF when a send with this unit makes an idle actor ready.
  /// On this thread the actor runs before the send returns (after what
  /// this thread is running already); from any other thread it goes to the
  /// scheduler threads.
  void exec_later(caf::resumable* job) override;

  using clock = std::chrono::steady_clock;

  /// Whether work of `job` (an actor) that this thread would do itself,
  /// without the actor (in_place_route.hpp), may run here now: not while
  /// the actor is remembered as slow. On this unit's thread only.
  bool may_run(caf::resumable* job);

  /// That work ran here from `start` to `end`: longer than the run limit,
  /// it counts against `job` as a slow run of the actor's own does.
  void ran_here(caf::resumable* job, clock::time_point start, clock::time_point end) {
    ran(job, end - start > run_limit_, end);
  }

private:
  struct slow_actor {
    caf::resumable* job;
    int slow_runs;  // not yet forgiven
    std::size_t fast_runs; // since the last slow run, or the last forgiven
    clock::time_point until; // runs on the scheduler threads before this
  };

  calling_thread_unit(caf::actor_system& sys, std::uint64_t owner,
                      std::chrono::microseconds run_limit);

  void run_queued();
  void to_scheduler(caf::resumable* job);
  bool is_slow(caf::resumable* job, clock::time_point now);
  void ran(caf::resumable* job, bool slow, clock::time_point end);

  std::uint64_t owner_;
  std::thread::id thread_;
  std::deque<caf::resumable*> queue_;
  bool running_ = false;
  std::chrono::microseconds run_limit_;
  std::vector<slow_actor> slow_;
};

} // namespace actorserve
