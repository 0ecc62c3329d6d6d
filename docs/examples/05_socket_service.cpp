// Step 5 of docs/examples/README.md: a service on a Unix socket, called with
// framed records (docs/protocol.md); 05_socket_client.py is its client.
#include <chrono>
#include <exception>
#include <iostream>
#include <thread>

#include "actors/application.hpp"
#include "actors/call_error.hpp"
#include "actors/node.hpp"
#include "gateways/socket/socket_server.hpp"

using namespace actorserve;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: 05_socket_service SOCKET_PATH\n";
    return 2;
  }
  application app;
  app.add_route("/double", [](const json& x) {
    if (!x.is_number()) // an error of our own type, which clients can branch on
      throw call_error("TypeError", "/double takes a number, not " + x.dump());
    return json(2 * x.get<double>());
  });
  // Blocking code on threads of its own, up to four calls at once.
  route_options blocking;
  blocking.blocking = true;
  blocking.concurrency = 4;
  app.add_route("/sleep", [](const json& seconds) {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds.get<double>()));
    return seconds;
  }, blocking);

  try {
    node service(app); // before any other thread starts (it handles the signals)
    socket::socket_options options;
    options.path = argv[1]; // mode 0600: only this user may connect
    socket::socket_server gateway(service, options);
    std::cout << "ready socket=" << gateway.endpoint() << std::endl;
    // Until SIGINT, SIGTERM or a request to /shutdown; then the calls in
    // flight are answered, and the socket file is removed.
    service.wait();
  } catch (const std::exception& e) {
    std::cerr << "05_socket_service: " << e.what() << "\n";
    return 1;
  }
  std::cout << "stopped" << std::endl;
  return 0;
}
