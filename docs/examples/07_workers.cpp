// Step 7 of docs/examples/README.md, and the example of docs/workers.md: a
// service whose routes run in two worker processes, each constructed with a
// context of its own.
#include <unistd.h>

#include <cstdint>
#include <exception>
#include <iostream>
#include <string>

#include "actors/application.hpp"
#include "actors/port_number.hpp"
#include "actors/route_actor.hpp"
#include "gateways/http/start_server.hpp"

using namespace actorserve;

namespace {

/// GET /whoami: which worker answered, and the context it was started with.
/// The constructor runs in the worker: the place to load what the context
/// names (a shard, a model file, a device).
class whoami : public route_actor {
public:
  using route_actor::route_actor;

protected:
  caf::result<reply> handle(const call&) override {
    return json{{"worker_index", context().worker_index},
                {"worker_context", context().value},
                {"pid", ::getpid()}};
  }
};

} // namespace

int main(int argc, char** argv) {
  // This runs in the main process and again in each worker: keep it to
  // building the application.
  application app;
  route_options get_only;
  get_only.methods = {"GET"};
  app.add_route<whoami>("/whoami", get_only);
  app.add_route("/double", [](const json& x) { return 2 * x.get<double>(); });

  try {
    http::server_options options;
    options.port = 8080;
    if (argc > 1) // a port of your choice; 0 picks a free one
      options.port = port_number(argv[1], "the port");
    options.workers = 2;
    options.worker_contexts = {json{{"shard", "a-m"}}, json{{"shard", "n-z"}}};
    // In the main process: starts the two workers, serves HTTP, and blocks
    // until POST /stop, SIGINT or SIGTERM has stopped the service and its
    // workers. In a worker (this program, started again by the main
    // process): serves the routes for it instead, without on_ready.
    http::start_server(app, options, [](const std::string& endpoint) {
      std::cout << "ready http=" << endpoint << std::endl;
    });
  } catch (const std::exception& e) {
    std::cerr << "07_workers: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
