// Built outside the actorserve tree, against the installed package (see
// CMakeLists.txt beside it): one route, /double, served over HTTP and on a
// Unix socket at once, until POST /stop, a request to /shutdown, SIGINT or
// SIGTERM. Usage: service HTTP_PORT SOCKET_PATH (port 0 picks a free one).
#include <cstdint>
#include <exception>
#include <iostream>
#include <string>

#include "actors/application.hpp"
#include "actors/call_error.hpp"
#include "actors/node.hpp"
#include "gateways/http/http_server.hpp"
#include "gateways/socket/socket_server.hpp"

using namespace actorserve;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: service HTTP_PORT SOCKET_PATH\n";
    return 2;
  }
  application app;
  app.add_route("/double", [](const json& x) {
    if (!x.is_number())
      throw call_error("TypeError", "/double takes a number, not " + x.dump());
    return json(2 * x.get<double>());
  });

  try {
    node service(app); // before any other thread starts (it handles the signals)
    http::server_options http_options;
    http_options.port = static_cast<std::uint16_t>(std::stoul(argv[1]));
    http::http_server http_gateway(service, http_options);
    socket::socket_options socket_options;
    socket_options.path = argv[2];
    socket::socket_server socket_gateway(service, socket_options);
    std::cout << "ready http=" << http_gateway.endpoint()
              << " socket=" << socket_gateway.endpoint() << std::endl;
    service.wait();
  } catch (const std::exception& e) {
    std::cerr << "service: " << e.what() << "\n";
    return 1;
  }
  std::cout << "stopped" << std::endl;
  return 0;
}
