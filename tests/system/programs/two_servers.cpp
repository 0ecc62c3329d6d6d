// Two HTTP servers with distinct server_ids in one process, for the system
// tests. POST /stop_server {"id": "..."} calls stop_server(id) from a route;
// each server prints "ready <id> <endpoint>" and "stopped <id>". Three more
// routes show explicit responses (one as its input asks) and request
// details.
#include <iostream>
#include <mutex>
#include <thread>

#include "actors/application.hpp"
#include "gateways/http/http_reply.hpp"
#include "gateways/http/start_server.hpp"

using namespace actorserve;

int main() {
  application app;
  app.add_route("/stop_server", [](const json& x) {
    http::stop_server(x.at("id").get<std::string>());
    return json("stopping " + x.at("id").get<std::string>());
  });
  app.add_route("/echo", [](const json& x) { return x; });
  // An explicit response: 201, plain text, a header of its own.
  app.add_route("/created", [](const json&) {
    return http::response(201, "1", "text/plain", {{"Location", "/things/1"}});
  });
  // Answers the response its input describes, to test what the gateway
  // writes: {"status": 204, "body": "", "headers": {"X-A": "1"}}.
  app.add_route("/respond", [](const json& x) {
    std::vector<std::pair<std::string, std::string>> headers;
    auto asked = x.value("headers", json::object());
    for (auto& [name, value] : asked.items())
      headers.emplace_back(name, value.get<std::string>());
    return http::response(x.at("status").get<unsigned>(), x.value("body", std::string()),
                          "text/plain", std::move(headers));
  });
  // A route that asks for the request's details.
  route_options details;
  details.methods = {"GET", "PUT"};
  details.request_details = true;
  app.add_route("/whoami", [](const call& c) { return c.meta; }, details);
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
