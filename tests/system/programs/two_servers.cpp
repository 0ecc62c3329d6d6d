// Two HTTP servers with distinct server_ids in one process, for the system
// tests. POST /stop_other {"id": "..."} calls stop_server(id) from a route;
// each server prints "ready <id> <endpoint>" and "stopped <id>".
#include <iostream>
#include <mutex>
#include <thread>

#include "actors/application.hpp"
#include "gateways/http/start_server.hpp"

using namespace actorserve;

int main() {
  application app;
  app.add_route("/stop_server", [](const json& x) {
    http::stop_server(x.at("id").get<std::string>());
    return json("stopping " + x.at("id").get<std::string>());
  });
  app.add_route("/echo", [](const json& x) { return x; });
  std::mutex out;
  auto serve = [&](std::string id) {
    http::server_options o;
    o.port = 0;
    o.server_id = id;
    o.handle_signals = false;
    o.stop_path = "";
    http::start_server(app, o, [&](const std::string& endpoint) {
      std::lock_guard<std::mutex> guard{out};
      std::cout << "ready " << id << " " << endpoint << std::endl;
    });
    std::lock_guard<std::mutex> guard{out};
    std::cout << "stopped " << id << std::endl;
  };
  std::thread a(serve, "a");
  std::thread b(serve, "b");
  a.join();
  b.join();
  return 0;
}
