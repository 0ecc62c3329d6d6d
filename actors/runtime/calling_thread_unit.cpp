#include "actors/runtime/calling_thread_unit.hpp"

#include <algorithm>
#include <atomic>
#include <iterator>
#include <memory>
#include <mutex>

#include <caf/actor_system.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

namespace actorserve {

namespace {

/// Every unit made: none is freed before the process ends (see the class).
struct unit_registry {
  std::mutex mutex;
  std::vector<std::unique_ptr<caf::execution_unit>> units;
};

unit_registry& registry() {
  static auto* r = new unit_registry; // never destroyed: threads may outlive main
  return *r;
}

} // namespace

std::uint64_t calling_thread_unit::new_owner() {
  static std::atomic<std::uint64_t> next{1};
  return next++;
}

calling_thread_unit* calling_thread_unit::of_this_thread(caf::actor_system& sys,
                                                         std::uint64_t owner,
                                                         std::chrono::microseconds run_limit) {
  thread_local calling_thread_unit* unit = nullptr;
  if (unit == nullptr || unit->owner_ != owner) {
    if (unit != nullptr && unit->running_)
      return nullptr; // busy with another owner's actors: not swapped under them
    std::unique_ptr<calling_thread_unit> made{new calling_thread_unit(sys, owner, run_limit)};
    unit = made.get();
    auto& r = registry();
    std::lock_guard<std::mutex> guard{r.mutex};
    r.units.push_back(std::move(made));
  }
  return unit;
}

calling_thread_unit::calling_thread_unit(caf::actor_system& sys, std::uint64_t owner,
                                         std::chrono::microseconds run_limit)
  : caf::execution_unit(&sys), owner_(owner), thread_(std::this_thread::get_id()),
    run_limit_(run_limit) {
}

void calling_thread_unit::exec_later(caf::resumable* job) {
  // The reference that came with the job is the scheduler's to release, or
  // ours once it has run.
  if (std::this_thread::get_id() != thread_
      || (!slow_.empty() && is_slow(job, clock::now()))) {
    to_scheduler(job);
    return;
  }
  queue_.push_back(job);
  if (!running_)
    run_queued();
}

bool calling_thread_unit::may_run(caf::resumable* job) {
  return slow_.empty() || !is_slow(job, clock::now());
}

void calling_thread_unit::run_queued() {
  // CAF catches what an actor's handlers throw. Should CAF itself throw
  // (out of memory), what waits still runs, elsewhere.
  struct turn_end {
    calling_thread_unit& unit;
    ~turn_end() {
      for (auto* job : unit.queue_)
        unit.to_scheduler(job);
      unit.queue_.clear();
      unit.running_ = false;
    }
  } end_of_turn{*this};
  running_ = true;
  std::size_t runs = 0;
  auto turn_start = clock::now();
  while (!queue_.empty()) {
    auto* job = queue_.front();
    queue_.pop_front();
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
    if (++runs == runs_per_turn || end - turn_start > 2 * run_limit_)
      break; // what is left goes to the scheduler threads (turn_end)
  }
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
  // inherits a slow run or two, or a wait on the scheduler threads.
  auto it = std::find_if(slow_.begin(), slow_.end(),
                         [job](const slow_actor& s) { return s.job == job; });
  if (!slow) {
    if (it == slow_.end() || ++it->fast_runs < fast_runs_to_forgive)
      return;
    it->fast_runs = 0;
    if (--it->slow_runs == 0)
      slow_.erase(it);
    return;
  }
  if (it == slow_.end()) {
    if (slow_.size() == slow_remembered)
      slow_.erase(slow_.begin());
    slow_.push_back(slow_actor{job, 0, 0, clock::time_point::min()});
    it = std::prev(slow_.end());
  }
  it->fast_runs = 0;
  if (++it->slow_runs < 2)
    return;
  auto doublings = std::min(it->slow_runs - 2, 8);
  auto wait = std::chrono::duration_cast<clock::duration>(slow_for) * (1 << doublings);
  it->until = end + std::min(wait, std::chrono::duration_cast<clock::duration>(slow_for_most));
}

} // namespace actorserve
