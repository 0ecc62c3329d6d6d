// actorserve-example: the example service. It serves the example routes
// (example_routes.hpp) until SIGINT, SIGTERM or a gateway's shutdown.
#include <unistd.h>

#include <iostream>
#include <memory>
#include <optional>
#include <vector>

#include "actors/log.hpp"
#include "actors/node.hpp"
#include "actors/service_notify.hpp"
#include "actors/worker_invitation.hpp"
#include "apps/example/example_options.hpp"
#include "apps/example/example_routes.hpp"
#include "gateways/fifo/fifo_server.hpp"
#include "gateways/http/http_server.hpp"
#include "gateways/socket/socket_server.hpp"

using namespace actorserve;

namespace {

/// The gateways of one run; they stop before the node does: the socket
/// gateways first, then HTTP, then the FIFO (members go in reverse order).
struct gateways {
  std::unique_ptr<fifo::fifo_server> fifo;
  std::unique_ptr<http::http_server> http;
  std::unique_ptr<http::http_server> metrics;
  std::vector<std::unique_ptr<socket::socket_server>> sockets;

  /// Starts every gateway the options name; returns the ready line's part
  /// that says where each listens. Throws what a gateway throws.
  std::string start(node& service, const example::example_options& o) {
    std::string where;
    if (o.http_on) {
      http = std::make_unique<http::http_server>(service, o.http);
      where += " http=" + http->endpoint();
    }
    if (o.metrics_port_on) {
      metrics = std::make_unique<http::http_server>(service, o.metrics_http);
      where += " metrics=" + metrics->endpoint();
    }
    if (!o.unix_socket.path.empty()) {
      sockets.push_back(std::make_unique<socket::socket_server>(service, o.unix_socket));
      where += " socket-unix=" + sockets.back()->endpoint();
    }
    if (o.tcp_on) {
      sockets.push_back(std::make_unique<socket::socket_server>(service, o.tcp_socket));
      where += " socket-tcp=" + sockets.back()->endpoint();
    }
    if (!o.fifo.path.empty()) {
      fifo = std::make_unique<fifo::fifo_server>(service, o.fifo);
      where += " fifo=" + fifo->path();
    }
    return where;
  }
};

} // namespace

int main(int argc, char** argv) {
  take_notify_socket(); // under systemd (Type=notify); workers must not inherit it
  example::example_options options;
  try {
    // Started by a supervisor as one of its workers: the same options, but
    // this process serves routes for the supervisor and runs no gateway.
    auto invitation = take_worker_invitation();
    options = example::parse_example_options(argc, argv, invitation);
  } catch (const std::exception& e) {
    std::cerr << "actorserve-example: " << e.what() << "\n";
    return 2;
  }
  log::set_level(options.log_level);
  log::set_format(options.log_format);
  if (options.show_help) {
    std::cout << options.help;
    return 0;
  }
  if (!options.effective_config.empty()) {
    std::cout << options.effective_config;
    return 0;
  }
  try {
    auto app = example::make_example_application();
    node service(app, options.node);
    if (service.is_worker()) {
      // Serves the supervisor's calls until its shutdown reaches this node.
      service.wait();
      return 0;
    }
    std::string ready = "ready pid=" + std::to_string(::getpid());
    if (service.has_workers())
      ready += " workers=" + std::to_string(options.node.pool.workers);
    if (!service.node_endpoint().empty()) // workers may join: --node-port
      ready += " node=" + service.node_endpoint();
    gateways running;
    try {
      ready += running.start(service, options);
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
    notify_ready(ready); // and to systemd, when it started the service (Type=notify)
    service.wait();
  } catch (const std::exception& e) {
    log::error(e.what());
    return 1;
  }
  log::info("stopped");
  return 0;
}
