// Step 4 of docs/examples/README.md, and the example of docs/architecture.md:
// a node runs the routes, and C++ code calls them without any gateway.
#include <chrono>
#include <cstdint>
#include <iostream>

#include "actors/application.hpp"
#include "actors/call_error.hpp"
#include "actors/node.hpp"
#include "actors/route_actor.hpp"

using namespace actorserve;

// A stateful route: the instance keeps its count between calls.
class counter : public route_actor {
public:
  using route_actor::route_actor;

protected:
  caf::result<reply> handle(const call& request) override {
    if (!request.input.is_null() && !request.input.is_number_integer())
      throw call_error("TypeError", "/count takes an integer or nothing");
    count_ += request.input.is_null() ? 1 : request.input.get<std::int64_t>();
    return json{{"count", count_}, {"worker", context().worker_index}};
  }

private:
  std::int64_t count_ = 0;
};

int main() {
  application app;
  app.add_route("/double", [](const json& x) { return 2 * x.get<double>(); });
  app.add_route<counter>("/count");
  node service(app); // before any other thread starts

  try {
    std::cout << service.call("/double", 21) << "\n";        // 42.0
    std::cout << service.call("/count", 5) << "\n";          // {"count":5,"worker":0}
    service.call("/count", "five", std::chrono::seconds{1}); // throws TypeError
  } catch (const call_error& e) {
    std::cout << e.type() << ": " << e.what() << "\n";
  }
  service.shutdown(); // or wait for SIGINT/SIGTERM: service.wait()
  service.wait();
  return 0;
}
