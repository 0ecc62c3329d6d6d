// Step 6 of docs/examples/README.md: a service on a pair of named pipes
// (docs/pipe.md); 06_fifo_client.py is its client.
#include <chrono>
#include <exception>
#include <iostream>
#include <thread>

#include "actors/application.hpp"
#include "actors/call_error.hpp"
#include "actors/node.hpp"
#include "gateways/fifo/fifo_server.hpp"

using namespace actorserve;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: 06_fifo_service PATH\n";
    return 2;
  }
  application app;
  app.add_route("/double", [](const json& x) {
    if (!x.is_number())
      throw call_error("TypeError", "/double takes a number, not " + x.dump());
    return json(2 * x.get<double>());
  });
  route_options blocking;
  blocking.blocking = true;
  blocking.concurrency = 4;
  app.add_route("/sleep", [](const json& seconds) {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds.get<double>()));
    return seconds;
  }, blocking);

  try {
    node service(app); // before any other thread starts (it handles the signals)
    fifo::fifo_options options;
    options.path = argv[1]; // reads PATH.1, writes PATH.2; both mode 0600
    fifo::fifo_server gateway(service, options);
    std::cout << "ready fifo=" << gateway.path() << std::endl;
    // Until SIGINT, SIGTERM or the message ["/shutdown", null]; the FIFO
    // files go with the gateway.
    service.wait();
  } catch (const std::exception& e) {
    std::cerr << "06_fifo_service: " << e.what() << "\n";
    return 1;
  }
  std::cout << "stopped" << std::endl;
  return 0;
}
