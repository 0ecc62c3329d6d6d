#include "actors/workers/restart_schedule.hpp"

#include <algorithm>

namespace actorserve {

std::optional<std::chrono::milliseconds> restart_schedule::next(time_point now) {
  while (!recent_.empty() && now - recent_.front() > std::chrono::minutes{1})
    recent_.pop_front();
  if (static_cast<int>(recent_.size()) >= policy_.max_restarts_per_minute)
    return std::nullopt;
  auto backoff = policy_.initial_backoff;
  for (std::size_t i = 0; i < recent_.size() && backoff < policy_.max_backoff; ++i)
    backoff *= 2;
  recent_.push_back(now);
  return std::min(backoff, policy_.max_backoff);
}

} // namespace actorserve
