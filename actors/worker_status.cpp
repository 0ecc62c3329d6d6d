#include "actors/worker_status.hpp"

namespace actorserve {

const char* to_string(worker_state state) {
  switch (state) {
    case worker_state::starting:
      return "starting";
    case worker_state::ready:
      return "ready";
    case worker_state::leaving:
      return "leaving";
    case worker_state::restarting:
      return "restarting";
    case worker_state::failed:
      return "failed";
    case worker_state::left:
      return "left";
    case worker_state::stopped:
      return "stopped";
  }
  return "unknown";
}

json to_json(const worker_status& s) {
  json out{{"index", s.index},
           {"state", to_string(s.state)},
           {"pid", s.pid},
           {"host", s.host},
           {"restarts", s.restarts}};
  if (!s.last_error.empty())
    out["last_error"] = s.last_error;
  return out;
}

std::string health_of(const std::vector<worker_status>& workers) {
  bool any_ready = false;
  bool any_failed = false;
  for (auto& w : workers) {
    any_ready = any_ready || w.state == worker_state::ready;
    any_failed = any_failed || w.state == worker_state::failed;
  }
  if (!any_ready)
    return "no worker ready";
  return any_failed ? "degraded" : "serving";
}

void add_worker_metrics(metrics::snapshot& s, const std::vector<worker_status>& workers) {
  metrics::family up{"actorserve_worker_up", "1 while the worker takes calls, else 0.",
                     metrics::kind::gauge, {}};
  metrics::family restarts{"actorserve_worker_restarts_total",
                           "Restarts of a worker slot since the service started.",
                           metrics::kind::counter, {}};
  for (auto& w : workers) {
    metrics::labels l{{"worker", std::to_string(w.index)}};
    up.samples.push_back({"", l, w.state == worker_state::ready ? 1.0 : 0.0});
    restarts.samples.push_back({"", l, static_cast<double>(w.restarts)});
  }
  s.push_back(std::move(up));
  s.push_back(std::move(restarts));
}

} // namespace actorserve
