// actorserve-example: the example service. It serves the example routes
// (example_routes.hpp) until SIGINT, SIGTERM or a gateway's shutdown.
#include <unistd.h>

#include <chrono>
#include <iostream>

#include "actors/log.hpp"
#include "actors/node.hpp"
#include "apps/example/command_line.hpp"
#include "apps/example/example_routes.hpp"

using namespace actorserve;

int main(int argc, char** argv) {
  node_options options;
  bool show_help = false;
  command_line cli;
  cli.add_flag("help", "print this help and exit", [&] { show_help = true; });
  cli.add("drain-timeout", "SECONDS",
          "how long shutdown waits for calls in flight (default 30)",
          [&](const std::string& v) {
            options.drain_timeout = std::chrono::milliseconds(
              static_cast<long long>(parse_seconds("drain-timeout", v) * 1000));
          });
  cli.add("worker-context", "JSON",
          "the worker_context the routes are constructed with (default null)",
          [&](const std::string& v) { options.context.value = json::parse(v); });
  try {
    cli.parse(argc, argv);
  } catch (const usage_error& e) {
    std::cerr << "actorserve-example: " << e.what() << "\n";
    return 2;
  }
  if (show_help) {
    std::cout << "Usage: actorserve-example [OPTIONS]\n\n"
                 "Serves the example routes /double, /echo, /sleep, /spin, "
                 "/info and /fail.\n"
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
    std::string routes;
    for (auto& r : app.routes())
      routes += (routes.empty() ? "" : ",") + r.path;
    // One line, flushed at once: scripts wait for it.
    std::cout << "ready pid=" << ::getpid() << " routes=" << routes << std::endl;
    service.wait();
  } catch (const std::exception& e) {
    log::error(e.what());
    return 1;
  }
  log::info("stopped");
  return 0;
}
