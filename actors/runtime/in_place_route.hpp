#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <caf/actor_clock.hpp>

#include "actors/call.hpp"
#include "actors/reply.hpp"
#include "actors/route_function.hpp"
#include "actors/runtime/route_metrics.hpp"

namespace actorserve {

/// A plain function route that does not block, run in place rather than by
/// an instance actor. Its gate runs it in the gate's own handler. When the
/// function takes no call and answers with a value (it has no call to make
/// route calls under, and never answers later), its caller's thread may
/// also run it itself (a gateway's, through node::call_async, or the one
/// waiting in node::call), without the message to the gate and
/// back: on the machine this was measured on, an HTTP `POST /double`
/// {"x":21} took 22,000 instructions run this way against 25,100 through
/// the gate, when the change was made (docs/performance.md).
///
/// Both hold the same lock while the function runs, so it runs one call at
/// a time, as an actor would. A caller's thread that finds it running
/// leaves the call to a scheduler thread, which runs it through the gate
/// when the lock is free: such calls may run after later ones that found
/// it free (a node::call after the same thread's call_async too), and the
/// lock is not fair between them.
///
/// The capacity (BacklogFull) is not checked here: a function that answers
/// at once never holds a call in flight, so its gate never refuses one for
/// capacity either.
class in_place_route {
public:
  /// `direct`: a caller's thread may run it (call_directly). `clock` is the
  /// actor system's, which deadlines are on; `metrics` may be null.
  in_place_route(std::string path, route_function fn, bool direct,
                 std::shared_ptr<route_metrics> metrics, const caf::actor_clock& clock,
                 std::uint32_t max_call_depth);

  in_place_route(const in_place_route&) = delete;
  in_place_route& operator=(const in_place_route&) = delete;

  /// For its gate, which has admitted the call: runs the function, which may
  /// take the call's input (waits while a caller's thread runs it).
  reply run(call& request);

  bool direct() const noexcept {
    return direct_;
  }

  /// Whether this thread is running a route's function in place now (it
  /// may hold that route's lock): its calls must not run here, or wait for
  /// another route's lock.
  static bool running_on_this_thread() noexcept;

  /// On a caller's thread (a gateway's, or node::call's), for a call at
  /// depth 0, from outside any route: admits it
  /// as its gate would (admission.hpp: refused once the gate drains or
  /// ends, with input that was not decoded, past its deadline or its depth,
  /// when its caller gave up), runs the function, counts and logs the
  /// answer as the gate does, and gives it to `on_reply`, all before it
  /// returns true. Returns false, having done nothing, when another thread
  /// runs the function now, or this thread is running any route's function
  /// in place (running_on_this_thread): the call then goes to the gate, from
  /// a scheduler thread.
  bool call_directly(call& request, const std::function<void(reply)>& on_reply);

  /// From its gate, when it drains, stops or ends: the calls callers'
  /// threads bring from now on are refused (ShuttingDown), and once this
  /// returns no caller's thread runs the function any more.
  void begin_drain();

  /// Calls admitted by callers' threads, and those dropped because their
  /// caller had given up (the gate adds them to its own counts).
  std::uint64_t admitted() const noexcept {
    return admitted_.load(std::memory_order_relaxed);
  }
  std::uint64_t dropped_gone() const noexcept {
    return dropped_gone_.load(std::memory_order_relaxed);
  }

private:
  /// Runs the function, the lock held, marking this thread as running it.
  reply run_locked(call& request);

  /// The lock held: the answer to `request`, refused as its gate would
  /// refuse it (`dropped` says why, when that counts as a drop) or from the
  /// function (`admitted` says when it was admitted).
  reply admit_and_run(call& request, std::optional<deadline_point>& admitted,
                      std::optional<drop_reason>& dropped);

  /// Counts, logs and gives the answer, outside the lock: a reply callback
  /// may take locks of its own, or write to a socket.
  /// `admitted`: when, or none for a call refused before it ran.
  void answer(const call& request, std::optional<deadline_point> admitted, reply r,
              const std::function<void(reply)>& on_reply);

  std::string path_;
  route_function fn_;
  bool direct_;
  std::shared_ptr<route_metrics> metrics_;
  const caf::actor_clock& clock_;
  std::uint32_t max_call_depth_;
  std::mutex running_; // held while the function runs
  bool draining_ = false; // under running_
  std::atomic<std::uint64_t> admitted_{0};
  std::atomic<std::uint64_t> dropped_gone_{0};
};

} // namespace actorserve
