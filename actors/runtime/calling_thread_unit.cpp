#include "actors/runtime/calling_thread_unit.hpp"

#include <algorithm>
#include <atomic>
#include <iterator>
#include <memory>

#include <caf/actor_system.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

namespace actorserve {

std::uint64_t calling_thread_unit::new_owner() {
  static std::atomic<std::uint64_t> next{1};
  return next++;
}

caf::execution_unit* calling_thread_unit::of_this_thread(caf::actor_system& sys,
                                                         std::uint64_t owner,
                                                         std::chrono::microseconds run_limit) {
  thread_local std::unique_ptr<calling_thread_unit> unit;
  if (!unit || unit->owner_ != owner) {
    if (unit && unit->running_)
      return nullptr; // busy with another owner's actors: not swapped under them
    unit = std::make_unique<calling_thread_unit>(sys, owner);
  }
  unit->run_limit_ = run_limit;
  return unit.get();
}

calling_thread_unit::calling_thread_unit(caf::actor_system& sys, std::uint64_t owner)
  : caf::execution_unit(&sys), owner_(owner) {
}

calling_thread_unit::~calling_thread_unit() {
  // Never holds a job between sends; whatever is left still runs.
  for (auto* job : queue_)
    to_scheduler(job);
}

void calling_thread_unit::exec_later(caf::resumable* job) {
  // The reference that came with the job is the scheduler's to release, or
  // ours once it has run.
  if (!slow_.empty() && is_slow(job, clock::now())) {
    to_scheduler(job);
    return;
  }
  queue_.push_back(job);
  if (!running_)
    run_queued();
}

void calling_thread_unit::run_queued() {
  // CAF catches what an actor's handlers throw; nothing here expects more.
  running_ = true;
  std::size_t runs = 0;
  while (!queue_.empty()) {
    auto* job = queue_.front();
    queue_.pop_front();
    if (runs++ == runs_per_turn) {
      to_scheduler(job);
      while (!queue_.empty()) {
        to_scheduler(queue_.front());
        queue_.pop_front();
      }
      break;
    }
    auto start = clock::now();
    auto result = job->resume(this, messages_per_run);
    auto end = clock::now();
    ran(job, end - start > run_limit_, end);
    switch (result) {
      case caf::resumable::resume_later:
        to_scheduler(job); // more messages wait: a scheduler thread goes on
        break;
      case caf::resumable::awaiting_message:
      case caf::resumable::done:
      case caf::resumable::shutdown_execution_unit:
        intrusive_ptr_release(job);
        break;
    }
  }
  running_ = false;
}

void calling_thread_unit::to_scheduler(caf::resumable* job) {
  system().scheduler().enqueue(job);
}

bool calling_thread_unit::is_slow(caf::resumable* job, clock::time_point now) {
  for (auto& s : slow_)
    if (s.job == job)
      return now < s.until;
  return false;
}

void calling_thread_unit::ran(caf::resumable* job, bool slow, clock::time_point end) {
  // An actor that ended may leave its address to a new one: that one then
  // inherits at most one slow run, or a wait on the scheduler threads.
  auto it = std::find_if(slow_.begin(), slow_.end(),
                         [job](const slow_actor& s) { return s.job == job; });
  if (!slow) {
    if (it != slow_.end())
      slow_.erase(it); // fast again
    return;
  }
  if (it == slow_.end()) {
    if (slow_.size() == slow_remembered)
      slow_.erase(slow_.begin());
    slow_.push_back(slow_actor{job, 0, clock::time_point::min()});
    it = std::prev(slow_.end());
  }
  if (++it->slow_runs < 2)
    return;
  auto wait = std::chrono::duration_cast<clock::duration>(slow_for) * (1 << std::min(it->slow_runs - 2, 8));
  it->until = end + std::min(wait, std::chrono::duration_cast<clock::duration>(slow_for_most));
}

} // namespace actorserve
