// Step 8 of docs/examples/README.md: a service whose routes run in workers,
// one started by the service itself and one that joins from another host
// with the service's shared secret. One program, two roles:
//
//   08_joining_worker serve SECRET_FILE [HTTP_PORT [NODE_PORT]]
//   08_joining_worker join NODE_HOST:NODE_PORT SECRET_FILE [CONTEXT_JSON]
//
// Ports default to 8080 (HTTP) and 7100 (the worker port); 0 picks a free one.
#include <unistd.h>

#include <climits>
#include <cstdint>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <tuple>

#include "actors/application.hpp"
#include "actors/node.hpp"
#include "actors/port_number.hpp"
#include "actors/route_actor.hpp"
#include "actors/worker_invitation.hpp"
#include "actors/worker_options.hpp"
#include "gateways/http/http_server.hpp"

using namespace actorserve;

namespace {

/// GET /whoami: the worker that answered, where it runs, and its context.
class whoami : public route_actor {
public:
  using route_actor::route_actor;

protected:
  caf::result<reply> handle(const call&) override {
    char host[HOST_NAME_MAX + 1] = {};
    ::gethostname(host, sizeof host - 1);
    return json{{"worker_index", context().worker_index},
                {"worker_context", context().value},
                {"host", host},
                {"pid", ::getpid()}};
  }
};

/// The same routes in every process of the service.
application make_application() {
  application app;
  route_options get_only;
  get_only.methods = {"GET"};
  app.add_route<whoami>("/whoami", get_only);
  app.add_route("/double", [](const json& x) { return 2 * x.get<double>(); });
  return app;
}

int usage() {
  std::cerr << "usage: 08_joining_worker serve SECRET_FILE [HTTP_PORT [NODE_PORT]]\n"
               "       08_joining_worker join NODE_HOST:NODE_PORT SECRET_FILE [CONTEXT_JSON]\n";
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  std::string role = argc > 1 ? argv[1] : "";
  try {
    // First thing, before any thread starts: a process the service started
    // as its own worker (this program, run again) serves as that worker.
    std::optional<join_options> invitation = take_worker_invitation();
    application app = make_application();
    node_options options;
    if (invitation) {
      options.pool.join = std::move(invitation);
      node worker(app, options);
      worker.wait(); // until the service stops
      return 0;
    }

    if (role == "join" && (argc == 4 || argc == 5)) {
      // A worker from elsewhere: it reaches out to the worker port, proves
      // the secret, and gets the next free worker index.
      join_options join;
      std::tie(join.host, join.port) = parse_host_port(argv[2], "the service's worker port");
      join.secret = read_secret_file(argv[3]);
      join.context = argc == 5 ? json::parse(argv[4]) : json("joined");
      options.pool.join = join;
      node worker(app, options); // returns once it has joined
      std::cout << "joined as worker " << worker.context().worker_index << std::endl;
      worker.wait(); // until the service stops, or this process gets SIGINT/SIGTERM
      std::cout << "left" << std::endl;
      return 0;
    }

    if (role == "serve" && argc >= 3 && argc <= 5) {
      options.pool.workers = 1; // one worker of its own; more may join
      options.pool.worker_contexts = {json("local")};
      options.pool.secret = read_secret_file(argv[2]);
      // The worker port, where workers join: loopback here. For other hosts,
      // an address they can reach ("0.0.0.0" for every interface), and TLS
      // (docs/workers.md).
      options.pool.node_host = "127.0.0.1";
      options.pool.node_port = argc > 4 ? port_number(argv[4], "the worker port") : 7100;
      node service(app, options); // starts its worker and waits until it is ready

      http::server_options web;
      web.port = argc > 3 ? port_number(argv[3], "the HTTP port") : 8080;
      http::http_server gateway(service, web);
      std::cout << "ready node=" << service.node_endpoint() << " http=" << gateway.endpoint()
                << std::endl;
      service.wait(); // until POST /stop, SIGINT or SIGTERM; the workers stop with it
      std::cout << "stopped" << std::endl;
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "08_joining_worker: " << e.what() << "\n";
    return 1;
  }
  return usage();
}
