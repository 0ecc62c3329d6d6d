#include "actors/runtime/in_place_route.hpp"

#include "actors/error_type.hpp"
#include "actors/log.hpp"
#include "actors/runtime/admission.hpp"
#include "actors/runtime/answer_log.hpp"
#include "actors/runtime/function_route.hpp"
#include "actors/runtime/reply_callback.hpp"

namespace actorserve {

in_place_route::in_place_route(std::string path, route_function fn, bool direct,
                               std::shared_ptr<route_metrics> metrics,
                               const caf::actor_clock& clock, std::uint32_t max_call_depth)
  : path_(std::move(path)), fn_(std::move(fn)), direct_(direct), metrics_(std::move(metrics)),
    clock_(clock), max_call_depth_(max_call_depth) {
}

namespace {

thread_local int runs_on_this_thread = 0;

} // namespace

bool in_place_route::running_on_this_thread() noexcept {
  return runs_on_this_thread > 0;
}

reply in_place_route::run_locked(call& request) {
  struct mark {
    mark() {
      ++runs_on_this_thread;
    }
    ~mark() {
      --runs_on_this_thread;
    }
  } running_here;
  return run_route_function(fn_, request);
}

reply in_place_route::run(call& request) {
  if (!direct_)
    return run_locked(request); // its gate is the only one to run it
  std::lock_guard<std::mutex> guard{running_};
  return run_locked(request);
}

bool in_place_route::call_directly(call& request, const std::function<void(reply)>& on_reply) {
  if (running_on_this_thread())
    return false; // this thread may hold the lock: it is not tried again
  std::unique_lock<std::mutex> lock{running_, std::try_to_lock};
  if (!lock.owns_lock())
    return false;
  std::optional<deadline_point> admitted;
  std::optional<drop_reason> dropped;
  std::optional<reply> r;
  try {
    r = admit_and_run(request, admitted, dropped);
  } catch (...) {
    // Out of memory while refusing or answering: still answered, below.
  }
  lock.unlock();
  if (!r) // short strings: nothing to allocate (the log line names the route)
    r = reply::failure(error_type::route_failed, "out of memory");
  if (dropped == drop_reason::caller_gone)
    dropped_gone_.fetch_add(1, std::memory_order_relaxed);
  if (dropped && metrics_)
    metrics_->dropped(*dropped);
  answer(request, admitted, std::move(*r), on_reply);
  return true;
}

reply in_place_route::admit_and_run(call& request, std::optional<deadline_point>& admitted,
                                    std::optional<drop_reason>& dropped) {
  auto now = clock_.now();
  if (draining_) {
    dropped = drop_reason::shutting_down;
    return shutting_down_refusal(path_);
  }
  if (auto refused = refusal_at_admission(path_, request, now, max_call_depth_)) {
    dropped = refused->dropped;
    return std::move(refused->answer);
  }
  admitted = now;
  admitted_.fetch_add(1, std::memory_order_relaxed);
  return run_locked(request);
}

void in_place_route::answer(const call& request, std::optional<deadline_point> admitted,
                            reply r, const std::function<void(reply)>& on_reply) {
  // The call is answered whatever befalls the counting and the log line
  // (out of memory): its caller waits for the answer.
  try {
    if (metrics_)
      metrics_->answered(r, admitted ? clock_.now() - *admitted : std::chrono::nanoseconds{-1});
    log_answer(path_, false, request, admitted, clock_, r);
  } catch (...) {
    try {
      log::error("route " + path_ + ": counting or logging an answer failed");
    } catch (...) {
    }
  }
  give_reply(path_, on_reply, std::move(r));
}

void in_place_route::begin_drain() {
  std::lock_guard<std::mutex> guard{running_};
  draining_ = true;
}

} // namespace actorserve
