#define CAF_SUITE start_server
#include <caf/test/unit_test.hpp>

#include "gateways/http/start_server.hpp"

#include <stdexcept>

using namespace actorserve;

namespace {

std::string refusal(const http::server_options& options) {
  application app;
  app.add_route("/echo", [](const json& x) { return x; });
  try {
    http::start_server(app, options);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "started";
}

} // namespace

CAF_TEST(zero workers are refused unless workers can join) {
  http::server_options o;
  o.workers = 0;
  CAF_CHECK_EQUAL(refusal(o), "workers = 0 serves only workers that join from elsewhere; "
                              "give the node a port for them (node_port)");
}

CAF_TEST(worker_contexts must hold one value per worker) {
  http::server_options o;
  o.worker_contexts = {json(1), json(2)};
  CAF_CHECK_EQUAL(refusal(o), "worker_contexts holds 2 values for 1 worker(s); give one per "
                              "worker, or none");
}

CAF_TEST(worker_contexts must hold one value per worker process) {
  http::server_options o;
  o.workers = 3;
  o.worker_contexts = {json(1), json(2)};
  CAF_CHECK_EQUAL(refusal(o), "worker_contexts holds 2 values for 3 worker(s); give one per "
                              "worker, or none");
}

CAF_TEST(stop_server with an unknown id does nothing) {
  http::stop_server("no-such-server"); // logs, does not throw
}
