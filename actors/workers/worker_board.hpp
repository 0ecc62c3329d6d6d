#pragma once

#include <mutex>
#include <vector>

#include "actors/worker_status.hpp"

namespace actorserve {

/// The supervisor's worker slots, readable from any thread (health checks):
/// the supervisor writes, node::workers() reads.
class worker_board {
public:
  void update(const worker_status& s);
  std::vector<worker_status> snapshot() const;

private:
  mutable std::mutex mutex_;
  std::vector<worker_status> slots_;
};

} // namespace actorserve
