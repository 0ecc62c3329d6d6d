#include "apps/example/example_options.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <tuple>
#include <vector>

#include "actors/json_depth.hpp"
#include "actors/log.hpp"
#include "actors/private_file.hpp"
#include "actors/tls_files.hpp"
#include "actors/worker_invitation.hpp"
#include "apps/example/option_table.hpp"
#include "apps/example/option_values.hpp"

namespace actorserve::example {

namespace {

std::vector<json> read_contexts(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) // a pipe (<(...), /dev/stdin) is fine
    throw usage_error("--worker-contexts: " + path + " is a folder, not a file");
  std::ifstream in{path};
  if (!in)
    throw usage_error("--worker-contexts: cannot read " + path);
  json contexts;
  try {
    contexts = json::parse(in);
  } catch (const json::exception& e) {
    throw usage_error("--worker-contexts: " + path + " is not JSON: " + e.what());
  }
  if (!contexts.is_array())
    throw usage_error("--worker-contexts: " + path
                      + " must hold a JSON array, one value per worker");
  return contexts.get<std::vector<json>>();
}

const char* description =
  "Serves the example routes /double, /echo, /sleep, /spin, /info and /fail, the steps\n"
  "/head, /tail, /len, /combine and /greet and the routes made of routes (/hello, /strict,\n"
  "/lenient, /by_type, /twice; docs/composition.md), and /batched (docs/batching.md)\nover HTTP (POST /<name>, GET /info, GET /healthz, GET "
  "/metrics, POST /stop), the socket gateway\nand the FIFO gateway. With no gateway option "
  "it serves HTTP on 127.0.0.1:8000.\nPrints a line beginning with 'ready' once it serves; "
  "stops on SIGINT or SIGTERM (a second\nsignal stops without waiting for calls in flight).";

/// The largest size in bytes an option takes (4 GiB).
constexpr std::uint64_t max_bytes = std::uint64_t{1} << 32;
/// The largest count of things (connections, calls in flight).
constexpr std::uint64_t max_count = std::uint64_t{1} << 20;
/// The deepest nesting an option allows: decoding recurses once per level,
/// and thousands of levels are still far from a thread's stack.
constexpr std::uint64_t max_nesting = 4096;

} // namespace

example_options parse_example_options(int argc, char** argv,
                                      const std::optional<join_options>& invitation) {
  example_options o;
  auto& options = o.node;
  auto& http_options = o.http;
  auto& unix_socket = o.unix_socket;
  auto& tcp_socket = o.tcp_socket;
  auto& pool = options.pool;
  std::string join_address;
  std::string secret_file;
  std::string contexts_file;
  std::string stop_token_file;
  bool remote_stop = true;
  std::chrono::milliseconds join_timeout{std::chrono::seconds{30}};
  auto count_text = [](std::uint64_t n) { return std::to_string(n); };
  // Defaults shown by --help and --print-config come from the option
  // structs themselves, so they cannot drift from what applies.
  option_table cli{"actorserve-example", description};

  cli.group("General");
  cli.add("drain-timeout", "SECONDS", "how long shutdown waits for calls in flight",
          seconds_text(options.drain_timeout),
          [&](const std::string& v) { options.drain_timeout = parse_millis("drain-timeout", v); });
  cli.add("scheduler-threads", "N", "threads that run the actors (0: one per core)",
          count_text(options.scheduler_threads), [&](const std::string& v) {
            options.scheduler_threads = parse_count("scheduler-threads", v, 0, 1024);
          });
  cli.add("worker-context", "JSON",
          "the worker_context the routes are constructed with; with --workers, every "
          "worker's unless --worker-contexts is given",
          "null", [&](const std::string& v) { options.context.value = json::parse(v); });
  cli.add("max-depth", "N",
          "the deepest nesting of arrays and objects a request may have, on every gateway "
          "and between nodes",
          count_text(options.max_depth), [&](const std::string& v) {
            auto depth = parse_count("max-depth", v, 1, max_nesting);
            options.max_depth = http_options.max_depth = o.fifo.max_depth = depth;
            unix_socket.limits.max_depth = tcp_socket.limits.max_depth = depth;
          });
  cli.add("max-call-depth", "N",
          "how deep routes may call routes before a call is refused with CallDepthExceeded "
          "(0: routes call no routes)",
          count_text(options.max_call_depth), [&](const std::string& v) {
            options.max_call_depth
              = static_cast<std::uint32_t>(parse_count("max-call-depth", v, 0, 1024));
          });
  cli.add("gateway-run-limit", "MICROSECONDS",
          "a gateway's own thread runs the non-blocking routes it calls unless an actor's runs "
          "there take longer than this: after two such runs (one is forgiven after 16 fast "
          "ones) it runs on the scheduler threads for a second, twice as long each time it is "
          "slow again, up to 256 s (0: gateways hand every call to the scheduler threads; with "
          "--workers they always do)",
          count_text(static_cast<std::uint64_t>(options.gateway_run_limit.count())),
          [&](const std::string& v) {
            options.gateway_run_limit = std::chrono::microseconds(
              parse_count("gateway-run-limit", v, 0, 3600ull * 1000 * 1000));
          });
  cli.add("log-level", "LEVEL", "the lowest level logged: debug, info, warning or error",
          "info", [&](const std::string& v) { o.log_level = log::parse_level(v); });
  cli.add("log-format", "FORMAT",
          "text, or json: one JSON object per line, for the log and the access log", "text",
          [&](const std::string& v) {
            o.log_format = log::parse_format(v);
            http_options.access_log_json = o.log_format == log::format::json;
          });
  cli.add("stop-token-file", "FILE",
          "POST /stop and every gateway's /shutdown need the token in FILE (owner-only, as "
          "for ssh keys): HTTP as 'Authorization: Bearer TOKEN', socket and FIFO as the data",
          "", [&](const std::string& v) { stop_token_file = v; });
  cli.add_flag("no-remote-stop", "turn off POST /stop and every gateway's /shutdown (signals "
                                 "still stop the service)",
               [&] { remote_stop = false; });

  cli.group("HTTP gateway");
  cli.add("http-port", "N",
          "serve HTTP on this port (0: a free one); with no gateway named, HTTP serves on "
          "8000",
          "", [&](const std::string& v) {
            http_options.port = parse_port("http-port", v);
            o.http_on = true;
          });
  cli.add("http-host", "HOST", "the address HTTP binds", http_options.host,
          [&](const std::string& v) { http_options.host = v; });
  cli.add("http-threads", "N", "HTTP I/O threads", count_text(http_options.threads),
          [&](const std::string& v) {
            http_options.threads = std::max<std::size_t>(1, parse_count("http-threads", v, 0, 256));
          });
  cli.add_flag("access-log", "write one line per HTTP request to stdout",
               [&] { http_options.access_log = true; });
  cli.add("http-call-timeout", "SECONDS", "each HTTP call's deadline",
          seconds_text(http_options.call_timeout), [&](const std::string& v) {
            http_options.call_timeout = parse_millis("http-call-timeout", v);
          });
  cli.add("http-idle-timeout", "SECONDS",
          "close an HTTP connection idle this long, or whose request header takes longer",
          seconds_text(http_options.limits.idle_timeout), [&](const std::string& v) {
            http_options.limits.idle_timeout = parse_millis("http-idle-timeout", v);
          });
  cli.add("http-body-timeout", "SECONDS",
          "close an HTTP connection whose request body takes longer",
          seconds_text(http_options.limits.body_timeout), [&](const std::string& v) {
            http_options.limits.body_timeout = parse_millis("http-body-timeout", v);
          });
  cli.add("http-write-timeout", "SECONDS",
          "close an HTTP connection that does not take a response within this long",
          seconds_text(http_options.limits.write_timeout), [&](const std::string& v) {
            http_options.limits.write_timeout = parse_millis("http-write-timeout", v);
          });
  cli.add("http-header-limit", "BYTES", "the largest HTTP request header",
          count_text(http_options.limits.header_limit), [&](const std::string& v) {
            http_options.limits.header_limit = parse_count("http-header-limit", v, 1, 1 << 24);
          });
  cli.add("http-body-limit", "BYTES", "the largest HTTP request body",
          count_text(http_options.limits.body_limit), [&](const std::string& v) {
            http_options.limits.body_limit = parse_count("http-body-limit", v, 0, max_bytes);
          });
  cli.add("http-max-connections", "N", "open HTTP connections at most",
          count_text(http_options.limits.max_connections), [&](const std::string& v) {
            http_options.limits.max_connections
              = parse_count("http-max-connections", v, 1, max_count);
          });
  cli.add_list("allowed-host", "NAME",
               "a host name HTTP requests may name besides IP addresses, localhost and the "
               "bound address (repeat for more)",
               [&](const std::string& v) { http_options.guard.allowed_hosts.push_back(v); });
  cli.add_list("allowed-origin", "ORIGIN",
               "a web page origin (scheme://host[:port]) allowed to call the service over "
               "HTTP; none by default (repeat for more)",
               [&](const std::string& v) { http_options.guard.allowed_origins.push_back(v); });

  cli.group("Socket gateway");
  cli.add("socket-path", "PATH", "serve the socket gateway on this Unix socket", "",
          [&](const std::string& v) { unix_socket.path = v; });
  cli.add("socket-port", "N", "serve the socket gateway on this TCP port (0: a free one)", "",
          [&](const std::string& v) {
            tcp_socket.port = parse_port("socket-port", v);
            o.tcp_on = true;
          });
  cli.add("socket-host", "HOST", "the address the TCP socket gateway binds", tcp_socket.host,
          [&](const std::string& v) { tcp_socket.host = v; });
  cli.add("socket-backlog", "N", "calls in flight per socket connection",
          count_text(tcp_socket.backlog), [&](const std::string& v) {
            unix_socket.backlog = tcp_socket.backlog
              = parse_count("socket-backlog", v, 1, max_count);
          });
  cli.add("socket-max-connections", "N", "open socket connections at most",
          count_text(tcp_socket.max_connections), [&](const std::string& v) {
            unix_socket.max_connections = tcp_socket.max_connections
              = parse_count("socket-max-connections", v, 1, max_count);
          });
  cli.add("socket-idle-timeout", "SECONDS",
          "close a socket connection with nothing to do for this long",
          seconds_text(tcp_socket.idle_timeout), [&](const std::string& v) {
            unix_socket.idle_timeout = tcp_socket.idle_timeout
              = parse_millis("socket-idle-timeout", v);
          });
  cli.add("socket-write-timeout", "SECONDS",
          "close a socket connection that does not take its replies within this long",
          seconds_text(tcp_socket.write_timeout), [&](const std::string& v) {
            unix_socket.write_timeout = tcp_socket.write_timeout
              = parse_millis("socket-write-timeout", v);
          });
  cli.add("socket-record-timeout", "SECONDS",
          "a socket record must arrive whole within this long of its first byte",
          seconds_text(tcp_socket.record_timeout), [&](const std::string& v) {
            unix_socket.record_timeout = tcp_socket.record_timeout
              = parse_millis("socket-record-timeout", v);
          });
  cli.add("socket-max-incomplete", "BYTES",
          "bytes of socket records not yet complete that all connections may hold",
          count_text(tcp_socket.max_incomplete_bytes), [&](const std::string& v) {
            unix_socket.max_incomplete_bytes = tcp_socket.max_incomplete_bytes
              = parse_count("socket-max-incomplete", v, 1, max_bytes);
          });
  cli.add("socket-max-frame", "BYTES", "the largest socket record payload",
          count_text(tcp_socket.limits.max_frame), [&](const std::string& v) {
            unix_socket.limits.max_frame = tcp_socket.limits.max_frame
              = parse_count("socket-max-frame", v, 1, max_bytes);
          });

  cli.group("FIFO gateway");
  cli.add("fifo-path", "PATH",
          "serve the FIFO gateway on the pipe pair PATH.1 (requests) and PATH.2 (replies)", "",
          [&](const std::string& v) { o.fifo.path = v; });
  cli.add("fifo-max-message", "BYTES", "the largest FIFO message",
          count_text(o.fifo.max_message), [&](const std::string& v) {
            o.fifo.max_message = parse_count("fifo-max-message", v, 1, max_bytes);
          });
  cli.add("fifo-max-in-flight", "N",
          "FIFO calls read and not yet answered at once; at the limit reading pauses",
          count_text(o.fifo.max_in_flight), [&](const std::string& v) {
            o.fifo.max_in_flight = parse_count("fifo-max-in-flight", v, 1, max_count);
          });

  cli.group("Metrics and calls in flight");
  cli.add("metrics-port", "N",
          "serve GET /metrics and /healthz, and no route, over HTTP on this port (0: a free "
          "one), for a service that serves no HTTP or keeps metrics apart",
          "", [&](const std::string& v) {
            o.metrics_http.port = parse_port("metrics-port", v);
            o.metrics_port_on = true;
          });
  cli.add("metrics-host", "HOST", "the address --metrics-port binds", o.metrics_http.host,
          [&](const std::string& v) { o.metrics_http.host = v; });
  cli.add_flag("no-metrics", "count nothing: no GET /metrics (the gates skip their counting)",
               [&] { options.metrics = false; });
  cli.add_flag("no-debug-calls",
               "no GET /debug/calls (the calls in flight, served to loopback clients and to "
               "others with the stop token)",
               [&] { http_options.debug_calls_path.clear(); });

  cli.group("Workers");
  cli.add("workers", "N",
          "serve the routes in N worker processes (1: in this process; 0: only in workers "
          "that join with --join)",
          count_text(pool.workers),
          [&](const std::string& v) { pool.workers = parse_count("workers", v, 0, max_workers); });
  cli.add("worker-contexts", "FILE", "a JSON array with one worker_context per worker", "",
          [&](const std::string& v) { contexts_file = v; });
  cli.add("heartbeat-interval", "SECONDS", "the supervisor pings workers this often",
          seconds_text(pool.heartbeat_interval), [&](const std::string& v) {
            pool.heartbeat_interval = parse_millis("heartbeat-interval", v);
          });
  cli.add("heartbeat-timeout", "SECONDS",
          "a worker silent this long is restarted; a supervisor silent this long is left",
          seconds_text(pool.heartbeat_timeout), [&](const std::string& v) {
            pool.heartbeat_timeout = parse_millis("heartbeat-timeout", v);
          });
  cli.add("max-restarts", "N",
          "restarts of one worker within a minute before it is marked failed",
          count_text(pool.restarts.max_restarts_per_minute), [&](const std::string& v) {
            pool.restarts.max_restarts_per_minute
              = static_cast<int>(parse_count("max-restarts", v, 0, 1000));
          });

  cli.group("Workers on other hosts");
  cli.add("node-host", "HOST", "the address of the worker port, with --node-port",
          pool.node_host, [&](const std::string& v) { pool.node_host = v; });
  cli.add("node-port", "N",
          "the worker port: lets workers of other hosts join with --join (needs "
          "--secret-file or ACTORSERVE_SECRET; default: none, the supervisor's own workers "
          "link over socket pairs)",
          "", [&](const std::string& v) { pool.node_port = parse_port("node-port", v); });
  cli.add("join", "HOST:PORT",
          "run as a worker of the supervisor at HOST:PORT (its --node-host and --node-port), "
          "with the shared secret from --secret-file or ACTORSERVE_SECRET",
          "", [&](const std::string& v) { join_address = v; });
  cli.add("join-timeout", "SECONDS", "how long --join keeps trying to reach the supervisor",
          seconds_text(join_timeout),
          [&](const std::string& v) { join_timeout = parse_millis("join-timeout", v); });
  cli.add("secret-file", "FILE",
          "the shared secret of the service's nodes (default: ACTORSERVE_SECRET; otherwise "
          "a new random one per run)",
          "", [&](const std::string& v) { secret_file = v; });
  cli.add("tls-certificate", "FILE",
          "TLS on the worker port and --join: this node's PEM certificate", "",
          [&](const std::string& v) { pool.tls.certificate = v; });
  cli.add("tls-key", "FILE", "this node's PEM private key", "",
          [&](const std::string& v) { pool.tls.key = v; });
  cli.add("tls-ca", "FILE", "the PEM CA file that signed every node's certificate", "",
          [&](const std::string& v) { pool.tls.ca_file = v; });

  o.help = cli.help();
  try {
    auto asked = cli.parse(argc, argv);
    o.show_help = asked.help;
    if (o.show_help)
      return o;
    if (!contexts_file.empty())
      pool.worker_contexts = read_contexts(contexts_file);
    bool linked = pool.links_nodes() || !join_address.empty();
    if (linked && pool.workers > 0 && !options.context.value.is_null()
        && pool.worker_contexts.empty())
      pool.worker_contexts.assign(pool.workers, options.context.value); // the same for all
    // A context goes to its worker as a value between nodes, which are held
    // to --max-depth: one nested deeper would fail every worker's start.
    if (linked) {
      auto too_deep = [&](const json& context) {
        return json_text_depth(json_text(context), options.max_depth) > options.max_depth;
      };
      if (too_deep(options.context.value)
          || std::any_of(pool.worker_contexts.begin(), pool.worker_contexts.end(), too_deep))
        throw usage_error("a worker context nests arrays and objects deeper than "
                          + std::to_string(options.max_depth)
                          + " levels (--max-depth), which no worker could take");
    }
    if (!secret_file.empty())
      pool.secret = read_secret_file(secret_file);
    else if (auto env = std::getenv("ACTORSERVE_SECRET"); env != nullptr && !invitation) {
      pool.secret = env;
      check_secret(pool.secret, "ACTORSERVE_SECRET"); // named as the user gave it
    }
    ::unsetenv("ACTORSERVE_SECRET"); // read once; nothing this process starts inherits it
    if (!join_address.empty()) {
      join_options joining;
      std::tie(joining.host, joining.port) = parse_host_port(join_address, "--join");
      joining.secret = pool.secret;
      joining.context = options.context.value;
      joining.connect_timeout = join_timeout;
      if (joining.secret.empty())
        throw usage_error("--join needs the service's shared secret: --secret-file or "
                          "ACTORSERVE_SECRET");
      pool.join = joining;
    }
    if (invitation)
      pool.join = invitation;
    if (!stop_token_file.empty()) {
      auto token = read_private_file(stop_token_file, "stop token");
      if (token.empty())
        throw usage_error("--stop-token-file: " + stop_token_file + " is empty");
      http_options.stop_token = unix_socket.stop_token = tcp_socket.stop_token
        = o.fifo.stop_token = token;
    }
    if (!remote_stop) {
      http_options.stop_path.clear();
      unix_socket.shutdown_path.clear();
      tcp_socket.shutdown_path.clear();
      o.fifo.shutdown_path.clear();
    }
    // With no gateway named, the service answers HTTP on 127.0.0.1:8000.
    if (!o.http_on && unix_socket.path.empty() && !o.tcp_on && o.fifo.path.empty())
      o.http_on = true;
    pool.check();
    check_tls_files(pool.tls);
    if (o.http_on)
      http_options.check();
    if (!unix_socket.path.empty())
      unix_socket.check();
    if (o.tcp_on)
      tcp_socket.check();
    if (!o.fifo.path.empty())
      o.fifo.check();
    if (o.metrics_port_on) {
      if (!options.metrics)
        throw usage_error("--metrics-port serves metrics, which --no-metrics turns off");
      o.metrics_http.serve_routes = false;
      o.metrics_http.stop_path.clear();
      o.metrics_http.gateway_name = "metrics";
      o.metrics_http.guard = http_options.guard;
      o.metrics_http.stop_token = http_options.stop_token; // /debug/calls from elsewhere
      o.metrics_http.debug_calls_path = http_options.debug_calls_path;
      o.metrics_http.check();
    }
    if (asked.print_config)
      o.effective_config = cli.effective_config();
  } catch (const usage_error&) {
    throw;
  } catch (const std::exception& e) {
    throw usage_error(e.what());
  }
  return o;
}

} // namespace actorserve::example
