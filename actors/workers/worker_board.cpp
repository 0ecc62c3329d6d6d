#include "actors/workers/worker_board.hpp"

#include <algorithm>

namespace actorserve {

void worker_board::update(const worker_status& s) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto it = std::find_if(slots_.begin(), slots_.end(),
                         [&](const worker_status& x) { return x.index == s.index; });
  if (it == slots_.end())
    slots_.push_back(s);
  else
    *it = s;
  std::sort(slots_.begin(), slots_.end(),
            [](const worker_status& a, const worker_status& b) { return a.index < b.index; });
}

std::vector<worker_status> worker_board::snapshot() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return slots_;
}

} // namespace actorserve
