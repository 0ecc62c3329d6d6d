// Step 1 of docs/examples/README.md: the smallest service. One plain function
// is a route, served over HTTP.
#include <cstdint>
#include <exception>
#include <iostream>
#include <string>

#include "actors/application.hpp"
#include "actors/port_number.hpp"
#include "gateways/http/start_server.hpp"

using namespace actorserve;

int main(int argc, char** argv) {
  application app;
  // POST /double: the JSON body is the input, the value goes back as JSON.
  // The runtime wraps the function in an actor.
  app.add_route("/double", [](const json& x) { return 2 * x.get<double>(); });

  try {
    http::server_options options;
    options.port = 8080;
    if (argc > 1) // a port of your choice; 0 picks a free one
      options.port = port_number(argv[1], "the port");
    // Blocks until POST /stop, SIGINT or SIGTERM has stopped the service.
    http::start_server(app, options, [](const std::string& endpoint) {
      std::cout << "ready http=" << endpoint << std::endl; // flushed: scripts wait for it
    });
  } catch (const std::exception& e) {
    std::cerr << "01_function_route: " << e.what() << "\n";
    return 1;
  }
  std::cout << "stopped" << std::endl;
  return 0;
}
