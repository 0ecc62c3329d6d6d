// A client of the service's Unix socket that needs no CAF: it links
// actorserve::socket_client alone, or, without CMake,
//   c++ -std=c++17 client.cpp $(pkg-config --cflags --libs actorserve-socket-client)
// Usage: client SOCKET_PATH JSON   (prints what /double answers)
#include <chrono>
#include <exception>
#include <iostream>

#include "actors/call_error.hpp"
#include "actors/json.hpp"
#include "gateways/socket/socket_client.hpp"

using namespace actorserve;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: client SOCKET_PATH JSON\n";
    return 2;
  }
  socket::client_options options;
  options.path = argv[1];
  options.num_connections = 1;
  options.connection_timeout = std::chrono::seconds{10};
  try {
    socket::socket_client client(options);
    std::cout << client.request("/double", json::parse(argv[2])).dump() << std::endl;
  } catch (const call_error& e) { // what the service answered, by type
    std::cerr << "client: " << e.type() << ": " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "client: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
