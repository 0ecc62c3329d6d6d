#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "actors/json.hpp"

namespace actorserve {

/// One worker slot as the supervisor sees it.
struct worker_status {
  int index = 0;
  /// "starting", "ready", "restarting", "failed" (too many restarts; not
  /// restarted again) or "left" (a joined worker that went away).
  std::string state;
  std::int64_t pid = 0;
  std::string host;
  /// Restarts of this slot since the service started.
  int restarts = 0;
  /// Why it last stopped, if it did.
  std::string last_error;
};

json to_json(const worker_status& s);

/// The supervisor's worker slots, readable from any thread (health checks).
class worker_board {
public:
  void update(const worker_status& s);
  std::vector<worker_status> snapshot() const;

private:
  mutable std::mutex mutex_;
  std::vector<worker_status> slots_;
};

} // namespace actorserve
