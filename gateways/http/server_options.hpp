#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/json.hpp"
#include "actors/json_depth.hpp"
#include "actors/worker_options.hpp"
#include "gateways/http/http_listener.hpp"
#include "gateways/http/request_guard.hpp"

namespace actorserve::http {

/// How start_server serves an application over HTTP.
struct server_options {
  /// Loopback by default: nothing is reachable from other hosts unless you
  /// say so ("0.0.0.0" or "::" for every interface).
  std::string host = "127.0.0.1";
  /// 0 picks a free port (see http_server::endpoint).
  std::uint16_t port = 8000;
  /// One line per request (access_log.hpp): the Common Log Format with the
  /// request id and duration, or JSON.
  bool access_log = false;
  bool access_log_json = false;
  /// Where the access log goes; empty: stdout.
  std::string access_log_path;
  /// The listen() backlog.
  int backlog = 128;
  /// 1: routes run in this process. N > 1: in N worker processes of this
  /// executable (see docs/workers.md; main must run as a worker when started
  /// as one, which start_server itself does).
  std::size_t workers = 1;
  /// worker_contexts[i] goes to worker i; empty means null for every worker,
  /// otherwise it must hold exactly `workers` values.
  std::vector<json> worker_contexts;
  /// The rest of the worker settings: where workers join, the shared secret,
  /// TLS, heartbeats, restarts. Its `workers` and `worker_contexts` are
  /// replaced by the two above.
  worker_options pool;
  /// stop_server(server_id) stops this server.
  std::string server_id = "0";
  /// Size limits and timeouts of connections and requests.
  http_limits limits;
  /// I/O threads.
  std::size_t threads = 1;
  /// The deepest nesting of arrays and objects a request body may have;
  /// past it: 400, before the body is parsed.
  std::size_t max_depth = default_max_depth;
  /// Each call's deadline, from when its request was read; past it: 504.
  std::chrono::milliseconds call_timeout{std::chrono::seconds{60}};
  /// Answers GET with 200 while serving, 503 while draining; empty: off.
  std::string health_path = "/healthz";
  /// GET answers the node's metrics in the Prometheus text format
  /// (docs/operations.md); empty: off.
  std::string metrics_path = "/metrics";
  /// GET answers the calls in flight as JSON (node::debug_calls), to
  /// loopback clients and to others with the stop token; empty: off.
  std::string debug_calls_path = "/debug/calls";
  /// Off, the server answers only its health, metrics, debug and stop paths: a
  /// metrics port (--metrics-port) serves no route.
  bool serve_routes = true;
  /// The name of this server in actorserve_gateway_* metrics.
  std::string gateway_name = "http";
  /// POST answers 200 and starts the shutdown; empty: off.
  std::string stop_path = "/stop";
  /// When set, a POST to `stop_path` must carry `Authorization: Bearer
  /// <stop_token>`; without it: 403.
  std::string stop_token;
  /// Which host names and web page origins may send requests at all.
  request_guard_options guard;
  /// How long the shutdown waits for requests in flight.
  std::chrono::milliseconds drain_timeout{std::chrono::seconds{30}};
  /// SIGINT and SIGTERM start the shutdown (start_server only).
  bool handle_signals = true;

  /// Throws std::invalid_argument naming a setting that is out of range
  /// (no I/O thread, a zero limit or timeout, a listen backlog below 1).
  /// The worker settings are checked by the node (worker_options::check).
  void check() const;
};

} // namespace actorserve::http
