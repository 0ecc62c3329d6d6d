// actorserve-example: the example service. It serves the example routes
// (example_routes.hpp) until SIGINT, SIGTERM or a gateway's shutdown.
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <vector>

#include "actors/log.hpp"
#include "actors/node.hpp"
#include "apps/example/command_line.hpp"
#include "apps/example/example_routes.hpp"
#include "gateways/fifo/fifo_server.hpp"
#include "gateways/http/http_server.hpp"
#include "gateways/socket/socket_server.hpp"

using namespace actorserve;

int main(int argc, char** argv) {
  node_options options;
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
          "the worker_context the routes are constructed with (default null)",
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
  try {
    cli.parse(argc, argv);
  } catch (const usage_error& e) {
    std::cerr << "actorserve-example: " << e.what() << "\n";
    return 2;
  }
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
    std::string ready = "ready pid=" + std::to_string(::getpid());
    // With no gateway named, the service answers HTTP on 127.0.0.1:8000.
    if (!http_on && unix_socket.path.empty() && !tcp_on && fifo_options.path.empty())
      http_on = true;
    std::unique_ptr<http::http_server> http_gateway;
    if (http_on) {
      http_gateway = std::make_unique<http::http_server>(service, http_options);
      ready += " http=" + http_gateway->endpoint();
    }
    std::vector<std::unique_ptr<socket::socket_server>> gateways;
    if (!unix_socket.path.empty()) {
      gateways.push_back(std::make_unique<socket::socket_server>(service, unix_socket));
      ready += " socket-unix=" + gateways.back()->endpoint();
    }
    if (tcp_on) {
      gateways.push_back(std::make_unique<socket::socket_server>(service, tcp_socket));
      ready += " socket-tcp=" + gateways.back()->endpoint();
    }
    std::unique_ptr<fifo::fifo_server> fifo_gateway;
    if (!fifo_options.path.empty()) {
      fifo_gateway = std::make_unique<fifo::fifo_server>(service, fifo_options);
      ready += " fifo=" + fifo_gateway->path();
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
