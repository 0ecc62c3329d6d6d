#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/json.hpp"
#include "actors/metrics.hpp"

namespace actorserve {

/// Where a worker slot is in its life, as the supervisor sees it.
enum class worker_state {
  starting,   ///< its process runs (or a worker joins) and is not ready yet
  ready,      ///< takes calls
  leaving,    ///< shuts down on its own: no new calls, its own still finish
  restarting, ///< lost; a new process starts after the back-off
  failed,     ///< restarted too often within a minute: not restarted again
  left,       ///< a joined worker that went away
  stopped,    ///< the service stopped it
};

/// The state's name, as /healthz shows it: "starting", "ready", ...
const char* to_string(worker_state state);

/// One worker slot as the supervisor sees it.
struct worker_status {
  int index = 0;
  worker_state state = worker_state::starting;
  std::int64_t pid = 0;
  std::string host;
  /// Restarts of this slot since the service started.
  int restarts = 0;
  /// Why it last stopped, if it did.
  std::string last_error;
};

/// {"index", "state", "pid", "host", "restarts"[, "last_error"]}.
json to_json(const worker_status& s);

/// What a service with workers tells a health check: "serving" while a
/// worker is ready and none has failed for good, "degraded" when a slot has
/// failed, "no worker ready" when none takes calls.
std::string health_of(const std::vector<worker_status>& workers);

/// actorserve_worker_up{worker} (1 while it takes calls) and
/// actorserve_worker_restarts_total{worker}, one series per slot.
void add_worker_metrics(metrics::snapshot& s, const std::vector<worker_status>& workers);

} // namespace actorserve
