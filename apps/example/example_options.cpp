#include "apps/example/example_options.hpp"

#include <cstdlib>
#include <fstream>
#include <tuple>
#include <vector>

#include "actors/worker_invitation.hpp"
#include "apps/example/command_line.hpp"

namespace actorserve::example {

namespace {

std::vector<json> read_contexts(const std::string& path) {
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

std::chrono::milliseconds millis_of(const std::string& name, const std::string& v) {
  return std::chrono::milliseconds(static_cast<long long>(parse_seconds(name, v) * 1000));
}

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
  std::chrono::milliseconds join_timeout{std::chrono::seconds{30}};
  command_line cli;
  cli.add_flag("help", "print this help and exit", [&] { o.show_help = true; });
  cli.add("drain-timeout", "SECONDS",
          "how long shutdown waits for calls in flight (default 30)",
          [&](const std::string& v) { options.drain_timeout = millis_of("drain-timeout", v); });
  cli.add("scheduler-threads", "N", "threads that run the actors (default: one per core)",
          [&](const std::string& v) { options.scheduler_threads = std::stoul(v); });
  cli.add("http-threads", "N", "HTTP I/O threads (default 1)", [&](const std::string& v) {
    http_options.threads = std::max<std::size_t>(1, std::stoul(v));
  });
  cli.add("worker-context", "JSON",
          "the worker_context the routes are constructed with (default null); with "
          "--workers, every worker's unless --worker-contexts is given",
          [&](const std::string& v) { options.context.value = json::parse(v); });
  cli.add("socket-path", "PATH", "serve the socket gateway on this Unix socket",
          [&](const std::string& v) { unix_socket.path = v; });
  cli.add("socket-port", "N", "serve the socket gateway on this TCP port (0: a free one)",
          [&](const std::string& v) {
            tcp_socket.port = parse_port("socket-port", v);
            o.tcp_on = true;
          });
  cli.add("socket-host", "HOST",
          "the address the TCP socket gateway binds (default 127.0.0.1)",
          [&](const std::string& v) { tcp_socket.host = v; });
  cli.add("socket-backlog", "N", "calls in flight per socket connection (default 256)",
          [&](const std::string& v) {
            unix_socket.backlog = tcp_socket.backlog = std::stoul(v);
          });
  cli.add("http-port", "N",
          "serve HTTP on this port (0: a free one; default 8000 when no gateway is named)",
          [&](const std::string& v) {
            http_options.port = parse_port("http-port", v);
            o.http_on = true;
          });
  cli.add("http-host", "HOST", "the address HTTP binds (default 127.0.0.1)",
          [&](const std::string& v) { http_options.host = v; });
  cli.add_flag("access-log", "write one line per HTTP request to stdout",
               [&] { http_options.access_log = true; });
  cli.add("http-call-timeout", "SECONDS", "each HTTP call's deadline (default 60)",
          [&](const std::string& v) {
            http_options.call_timeout = millis_of("http-call-timeout", v);
          });
  cli.add("http-idle-timeout", "SECONDS",
          "close an HTTP connection idle this long, or whose request header takes longer "
          "(default 5)",
          [&](const std::string& v) {
            http_options.limits.idle_timeout = millis_of("http-idle-timeout", v);
          });
  cli.add("http-body-timeout", "SECONDS",
          "close an HTTP connection whose request body takes longer (default 10)",
          [&](const std::string& v) {
            http_options.limits.body_timeout = millis_of("http-body-timeout", v);
          });
  cli.add("http-header-limit", "BYTES", "the largest HTTP request header (default 16384)",
          [&](const std::string& v) { http_options.limits.header_limit = std::stoull(v); });
  cli.add("http-body-limit", "BYTES", "the largest HTTP request body (default 1048576)",
          [&](const std::string& v) { http_options.limits.body_limit = std::stoull(v); });
  cli.add("http-max-connections", "N", "open HTTP connections at most (default 1024)",
          [&](const std::string& v) { http_options.limits.max_connections = std::stoull(v); });
  cli.add("fifo-path", "PATH",
          "serve the FIFO gateway on the pipe pair PATH.1 (requests) and PATH.2 (replies)",
          [&](const std::string& v) { o.fifo.path = v; });
  cli.add("fifo-max-message", "BYTES", "the largest FIFO message (default 67108864)",
          [&](const std::string& v) { o.fifo.max_message = std::stoull(v); });
  cli.add("socket-max-frame", "BYTES", "the largest socket record payload (default 67108864)",
          [&](const std::string& v) {
            unix_socket.limits.max_frame = tcp_socket.limits.max_frame = std::stoull(v);
          });
  cli.add("workers", "N",
          "serve the routes in N worker processes (default 1: in this process; 0: only in "
          "workers that join with --join)",
          [&](const std::string& v) {
            if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos
                || v.size() > 9)
              throw usage_error("--workers takes a number from 0 to "
                                + std::to_string(max_workers) + "; got '" + v + "'");
            pool.workers = std::stoul(v); // worker_options::check() holds it to the range
          });
  cli.add("worker-contexts", "FILE", "a JSON array with one worker_context per worker",
          [&](const std::string& v) { contexts_file = v; });
  cli.add("node-host", "HOST",
          "the address workers join at (default 127.0.0.1; only this host's workers)",
          [&](const std::string& v) { pool.node_host = v; });
  cli.add("node-port", "N",
          "the port workers join at; lets workers of other hosts join with --join (needs "
          "--secret-file or ACTORSERVE_SECRET)",
          [&](const std::string& v) { pool.node_port = parse_port("node-port", v); });
  cli.add("join", "HOST:PORT",
          "run as a worker of the supervisor at HOST:PORT (its --node-host and --node-port), "
          "with the shared secret from --secret-file or ACTORSERVE_SECRET",
          [&](const std::string& v) { join_address = v; });
  cli.add("join-timeout", "SECONDS",
          "how long --join keeps trying to reach the supervisor (default 30)",
          [&](const std::string& v) { join_timeout = millis_of("join-timeout", v); });
  cli.add("secret-file", "FILE",
          "the shared secret of the service's nodes (default: ACTORSERVE_SECRET; otherwise "
          "a new random one per run)",
          [&](const std::string& v) { secret_file = v; });
  cli.add("tls-certificate", "FILE", "encrypt node links: this node's PEM certificate",
          [&](const std::string& v) { pool.tls.certificate = v; });
  cli.add("tls-key", "FILE", "this node's PEM private key",
          [&](const std::string& v) { pool.tls.key = v; });
  cli.add("tls-ca", "FILE", "the PEM CA file that signed every node's certificate",
          [&](const std::string& v) { pool.tls.ca_file = v; });
  cli.add("heartbeat-interval", "SECONDS", "the supervisor pings workers this often (default 1)",
          [&](const std::string& v) {
            pool.heartbeat_interval = millis_of("heartbeat-interval", v);
          });
  cli.add("heartbeat-timeout", "SECONDS",
          "a worker silent this long is restarted; a supervisor silent this long is left "
          "(default 5)",
          [&](const std::string& v) {
            pool.heartbeat_timeout = millis_of("heartbeat-timeout", v);
          });
  cli.add("max-restarts", "N",
          "restarts of one worker within a minute before it is marked failed (default 5)",
          [&](const std::string& v) { pool.restarts.max_restarts_per_minute = std::stoi(v); });
  o.help = cli.help();
  try {
    cli.parse(argc, argv);
    if (!contexts_file.empty())
      pool.worker_contexts = read_contexts(contexts_file);
    bool linked = pool.links_nodes() || !join_address.empty();
    if (linked && pool.workers > 0 && !options.context.value.is_null()
        && pool.worker_contexts.empty())
      pool.worker_contexts.assign(pool.workers, options.context.value); // the same for all
    if (!secret_file.empty())
      pool.secret = read_secret_file(secret_file);
    else if (auto env = std::getenv("ACTORSERVE_SECRET"); env != nullptr && !invitation)
      pool.secret = env;
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
    // With no gateway named, the service answers HTTP on 127.0.0.1:8000.
    if (!o.http_on && unix_socket.path.empty() && !o.tcp_on && o.fifo.path.empty())
      o.http_on = true;
    pool.check();
    if (o.http_on)
      http_options.check();
    if (!unix_socket.path.empty())
      unix_socket.check();
    if (o.tcp_on)
      tcp_socket.check();
    if (!o.fifo.path.empty())
      o.fifo.check();
  } catch (const usage_error&) {
    throw;
  } catch (const std::exception& e) {
    throw usage_error(e.what());
  }
  return o;
}

} // namespace actorserve::example
