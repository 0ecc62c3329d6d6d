// Step 2 of docs/examples/README.md, and the example of docs/http.md: a small
// service served over HTTP with start_server.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <iostream>
#include <string>

#include "actors/application.hpp"
#include "actors/error_type.hpp"
#include "actors/port_number.hpp"
#include "gateways/http/http_reply.hpp"
#include "gateways/http/start_server.hpp"

using namespace actorserve;

namespace {

/// The value of `key` in a query such as "name=Ada&lang=en", as sent (not
/// percent-decoded), or `fallback` when the key is absent.
std::string query_value(const std::string& query, const std::string& key,
                        const std::string& fallback) {
  std::size_t start = 0;
  while (start < query.size()) {
    auto end = query.find('&', start);
    if (end == std::string::npos)
      end = query.size();
    auto pair = query.substr(start, end - start);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == key)
      return eq == std::string::npos ? std::string() : pair.substr(eq + 1);
    start = end + 1;
  }
  return fallback;
}

} // namespace

int main(int argc, char** argv) {
  application app;

  // POST /double: the JSON body is the input; the value comes back as JSON.
  app.add_route("/double", [](const json& x) { return 2 * x.get<double>(); });

  // GET /hello?name=Ada: asks for the request's details to read the query.
  route_options get_only;
  get_only.methods = {"GET"};
  get_only.request_details = true;
  app.add_route("/hello", [](const call& c) {
    auto query = c.meta.is_object() ? c.meta.value("query", std::string()) : std::string();
    return json{{"hello", query_value(query, "name", "world")}};
  }, get_only);

  // POST /items: an explicit response, 201 Created with a Location header;
  // a body that is not a JSON object is answered 400.
  app.add_route("/items", [](const json& item) {
    if (!item.is_object())
      return reply::failure(error_type::bad_request, "/items takes a JSON object");
    static std::atomic<int> next_id{1};
    auto id = std::to_string(next_id++);
    return http::response(201, id, "text/plain", {{"Location", "/items/" + id}});
  });

  // POST /quit: stops this server from a route; the caller still gets "bye".
  app.add_route("/quit", [](const json&) {
    http::stop_server("example");
    return json("bye");
  });

  try {
    http::server_options options;
    options.port = 8080;
    if (argc > 1) // a port of your choice; 0 picks a free one
      options.port = port_number(argv[1], "the port");
    options.server_id = "example";
    options.access_log = true; // one line per request on stdout
    options.call_timeout = std::chrono::seconds{10};
    // Blocks until POST /stop, POST /quit, SIGINT or SIGTERM has stopped it.
    http::start_server(app, options, [](const std::string& endpoint) {
      std::cout << "serving on http://" << endpoint << std::endl;
    });
  } catch (const std::exception& e) {
    std::cerr << "02_http_routes: " << e.what() << "\n";
    return 1;
  }
  std::cout << "stopped" << std::endl;
  return 0;
}
