// actorserve-example: the example service. It serves the example routes
// (example_routes.hpp) until SIGINT, SIGTERM or a gateway's shutdown.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <tuple>
#include <fstream>
#include <iostream>
#include <memory>
#include <vector>

#include "actors/log.hpp"
#include "actors/node.hpp"
#include "actors/worker_invitation.hpp"
#include "actors/worker_secret.hpp"
#include "apps/example/command_line.hpp"
#include "apps/example/example_routes.hpp"
#include "gateways/fifo/fifo_server.hpp"
#include "gateways/http/http_server.hpp"
#include "gateways/socket/socket_server.hpp"

using namespace actorserve;

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
    throw usage_error("--worker-contexts: " + path + " must hold a JSON array, one value per worker");
  return contexts.get<std::vector<json>>();
}

} // namespace

int main(int argc, char** argv) {
  node_options options;
  // Started by a supervisor as one of its workers: the same options, but
  // this process serves routes for the supervisor and runs no gateway.
  std::optional<join_options> invitation;
  try {
    invitation = take_worker_invitation();
  } catch (const std::exception& e) {
    std::cerr << "actorserve-example: " << e.what() << "\n";
    return 2;
  }
  std::string join_address;
  std::string secret_file;
  std::string contexts_file;
  http::server_options http_options;
  bool http_on = false;
  bool show_help = false;
  command_line cli;
  cli.add_flag("help", "print this help and exit", [&] { show_help = true; });
  cli.add("drain-timeout", "SECONDS",
          "how long shutdown waits for calls in flight (default 30)",
          [&](const std::string& v) {
            options.drain_timeout = std::chrono::milliseconds(
              static_cast<long long>(parse_seconds("drain-timeout", v) * 1000));
          });
  cli.add("scheduler-threads", "N", "threads that run the actors (default: one per core)",
          [&](const std::string& v) { options.scheduler_threads = std::stoul(v); });
  cli.add("http-threads", "N", "HTTP I/O threads (default 1)",
          [&](const std::string& v) { http_options.threads = std::max<std::size_t>(1, std::stoul(v)); });
  cli.add("worker-context", "JSON",
          "the worker_context the routes are constructed with (default null); with "
          "--workers, every worker's unless --worker-contexts is given",
          [&](const std::string& v) { options.context.value = json::parse(v); });
  socket::socket_options unix_socket;
  socket::socket_options tcp_socket;
  bool tcp_on = false;
  cli.add("socket-path", "PATH", "serve the socket gateway on this Unix socket",
          [&](const std::string& v) { unix_socket.path = v; });
  cli.add("socket-port", "N", "serve the socket gateway on this TCP port (0: a free one)",
          [&](const std::string& v) {
            tcp_socket.port = parse_port("socket-port", v);
            tcp_on = true;
          });
  cli.add("socket-host", "HOST",
          "the address the TCP socket gateway binds (default 127.0.0.1)",
          [&](const std::string& v) { tcp_socket.host = v; });
  cli.add("socket-backlog", "N", "calls in flight per socket connection (default 256)",
          [&](const std::string& v) {
            unix_socket.backlog = tcp_socket.backlog = std::stoul(v);
            if (unix_socket.backlog == 0)
              throw usage_error("option --socket-backlog takes at least 1");
          });
  cli.add("http-port", "N", "serve HTTP on this port (0: a free one; default 8000 when no "
                            "gateway is named)",
          [&](const std::string& v) {
            http_options.port = parse_port("http-port", v);
            http_on = true;
          });
  cli.add("http-host", "HOST", "the address HTTP binds (default 127.0.0.1)",
          [&](const std::string& v) { http_options.host = v; });
  cli.add_flag("access-log", "write one line per HTTP request to stdout",
               [&] { http_options.access_log = true; });
  auto millis_of = [](const std::string& name, const std::string& v) {
    return std::chrono::milliseconds(static_cast<long long>(parse_seconds(name, v) * 1000));
  };
  cli.add("http-call-timeout", "SECONDS", "each HTTP call's deadline (default 60)",
          [&](const std::string& v) { http_options.call_timeout = millis_of("http-call-timeout", v); });
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
  fifo::fifo_options fifo_options;
  cli.add("fifo-path", "PATH",
          "serve the FIFO gateway on the pipe pair PATH.1 (requests) and PATH.2 (replies)",
          [&](const std::string& v) { fifo_options.path = v; });
  cli.add("fifo-max-message", "BYTES", "the largest FIFO message (default 67108864)",
          [&](const std::string& v) { fifo_options.max_message = std::stoull(v); });
  cli.add("socket-max-frame", "BYTES",
          "the largest socket record payload (default 67108864)",
          [&](const std::string& v) {
            unix_socket.limits.max_frame = tcp_socket.limits.max_frame = std::stoull(v);
          });
  auto& pool = options.pool;
  cli.add("workers", "N",
          "serve the routes in N worker processes (default 1: in this process; 0: only in "
          "workers that join with --join)",
          [&](const std::string& v) {
            if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos
                || v.size() > 4 || std::stoul(v) > 1024)
              throw usage_error("--workers takes a number from 0 to 1024; got '" + v + "'");
            pool.workers = std::stoul(v);
          });
  cli.add("worker-contexts", "FILE",
          "a JSON array with one worker_context per worker", [&](const std::string& v) {
            contexts_file = v;
          });
  cli.add("node-host", "HOST",
          "the address workers join at (default 127.0.0.1; only this host's workers)",
          [&](const std::string& v) { pool.node_host = v; });
  cli.add("node-port", "N",
          "the port workers join at; lets workers of other hosts join with --join (needs "
          "--secret-file or ACTORSERVE_SECRET)",
          [&](const std::string& v) {
            pool.node_port = parse_port("node-port", v);
            pool.node_port_set = true;
          });
  cli.add("join", "HOST:PORT",
          "run as a worker of the supervisor at HOST:PORT (its --node-host and --node-port), "
          "with the shared secret from --secret-file or ACTORSERVE_SECRET",
          [&](const std::string& v) { join_address = v; });
  std::chrono::milliseconds join_timeout{std::chrono::seconds{30}};
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
          [&](const std::string& v) { pool.heartbeat_interval = millis_of("heartbeat-interval", v); });
  cli.add("heartbeat-timeout", "SECONDS",
          "a worker silent this long is restarted; a supervisor silent this long is left "
          "(default 5)",
          [&](const std::string& v) { pool.heartbeat_timeout = millis_of("heartbeat-timeout", v); });
  cli.add("max-restarts", "N",
          "restarts of one worker within a minute before it is marked failed (default 5)",
          [&](const std::string& v) { pool.restarts.max_restarts_per_minute = std::stoi(v); });
  try {
    cli.parse(argc, argv);
    if (!contexts_file.empty())
      pool.worker_contexts = read_contexts(contexts_file);
    bool linked = pool.workers != 1 || pool.node_port_set || !join_address.empty();
    if (linked && pool.workers > 0 && !options.context.value.is_null()
        && pool.worker_contexts.empty())
      pool.worker_contexts.assign(pool.workers, options.context.value); // the same for all
    if (linked && pool.heartbeat_timeout <= pool.heartbeat_interval)
      throw usage_error("--heartbeat-timeout must be longer than --heartbeat-interval");
    if (pool.tls.enabled() && !linked && !invitation)
      throw usage_error("the --tls-* options secure the links to workers: use them with "
                        "--workers, --node-port or --join");
    if (pool.tls.enabled() != !pool.tls.key.empty()
        || (pool.tls.enabled() && pool.tls.ca_file.empty()))
      throw usage_error("TLS needs all three of --tls-certificate, --tls-key and --tls-ca");
    if (!secret_file.empty())
      pool.secret = worker_secret::read_file(secret_file);
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
  } catch (const usage_error& e) {
    std::cerr << "actorserve-example: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "actorserve-example: " << e.what() << "\n";
    return 2;
  }
  if (invitation)
    pool.join = invitation;
  if (show_help) {
    std::cout << "Usage: actorserve-example [OPTIONS]\n\n"
                 "Serves the example routes /double, /echo, /sleep, /spin, "
                 "/info and /fail over HTTP\n"
                 "(POST /<name>, GET /info, GET /healthz, POST /stop), the socket "
                 "gateway and the FIFO gateway.\n"
                 "With no gateway option it serves HTTP on 127.0.0.1:8000.\n"
                 "Prints a line beginning with 'ready' once it serves; stops "
                 "on SIGINT or SIGTERM\n"
                 "(a second signal stops without waiting for calls in "
                 "flight).\n\nOptions:\n"
              << cli.help();
    return 0;
  }
  try {
    auto app = example::make_example_application();
    node service(app, options);
    if (service.is_worker()) {
      // Serves the supervisor's calls until its shutdown reaches this node.
      service.wait();
      return 0;
    }
    std::string ready = "ready pid=" + std::to_string(::getpid());
    if (pool.workers != 1 || pool.node_port_set)
      ready += " workers=" + std::to_string(pool.workers) + " node=" + service.node_endpoint();
    // With no gateway named, the service answers HTTP on 127.0.0.1:8000.
    if (!http_on && unix_socket.path.empty() && !tcp_on && fifo_options.path.empty())
      http_on = true;
    std::unique_ptr<http::http_server> http_gateway;
    std::vector<std::unique_ptr<socket::socket_server>> gateways;
    std::unique_ptr<fifo::fifo_server> fifo_gateway;
    try {
      if (http_on) {
        http_gateway = std::make_unique<http::http_server>(service, http_options);
        ready += " http=" + http_gateway->endpoint();
      }
      if (!unix_socket.path.empty()) {
        gateways.push_back(std::make_unique<socket::socket_server>(service, unix_socket));
        ready += " socket-unix=" + gateways.back()->endpoint();
      }
      if (tcp_on) {
        gateways.push_back(std::make_unique<socket::socket_server>(service, tcp_socket));
        ready += " socket-tcp=" + gateways.back()->endpoint();
      }
      if (!fifo_options.path.empty()) {
        fifo_gateway = std::make_unique<fifo::fifo_server>(service, fifo_options);
        ready += " fifo=" + fifo_gateway->path();
      }
    } catch (const std::exception& e) {
      // A gateway could not start: nothing was served, so no drain (and no
      // "shutting down" line before the error).
      log::error(e.what());
      service.stop_now();
      return 1;
    }
    std::string routes;
    for (auto& r : app.routes())
      routes += (routes.empty() ? "" : ",") + r.path;
    // One line, flushed at once: scripts wait for it.
    std::cout << ready << " routes=" << routes << std::endl;
    service.wait();
    gateways.clear();
    http_gateway.reset();
    fifo_gateway.reset();
  } catch (const std::exception& e) {
    log::error(e.what());
    return 1;
  }
  log::info("stopped");
  return 0;
}
