#pragma once

#include <chrono>
#include <deque>
#include <optional>

#include <caf/actor_clock.hpp>

#include "actors/worker_options.hpp"

namespace actorserve {

/// When a lost worker slot starts again: after a back-off that doubles with
/// each restart within a minute (up to the policy's maximum), and never
/// again once the slot was restarted `max_restarts_per_minute` times within
/// any minute.
class restart_schedule {
public:
  using time_point = caf::actor_clock::time_point;

  explicit restart_schedule(restart_policy policy) : policy_(policy) {
  }

  /// A restart asked for at `now`: the wait before it, counted as one of
  /// the minute's restarts; nothing when the cap is reached (the slot has
  /// failed for good).
  std::optional<std::chrono::milliseconds> next(time_point now);

  /// Restarts within the minute before the last `next()`.
  std::size_t recent() const noexcept {
    return recent_.size();
  }

private:
  restart_policy policy_;
  std::deque<time_point> recent_;
};

} // namespace actorserve
