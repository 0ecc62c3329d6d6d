// Step 9 of docs/examples/README.md, and the example of docs/composition.md.
#include <iostream>
#include <string>

#include "actors/application.hpp"
#include "actors/call_error.hpp"
#include "actors/composition.hpp"
#include "actors/node.hpp"
#include "actors/route_actor.hpp"
#include "actors/route_call.hpp"

using namespace actorserve;

// A stateful route: it calls /double and counts, in the actor, how many
// doubles it has handed out.
class tally : public route_actor {
public:
  using route_actor::route_actor;

protected:
  caf::result<reply> handle(const call& request) override {
    auto promise = make_response_promise<reply>();
    call_route(request, "/double", request.input).then([this, promise](reply r) mutable {
      if (r.ok())
        r = json{{"doubled", r.value()}, {"served", ++served_}};
      promise.deliver(std::move(r)); // an error keeps its type and message
    });
    return promise;
  }

private:
  int served_ = 0;
};

int main() {
  application app;
  app.add_route("/double", [](const json& x) {
    if (!x.is_number())
      throw call_error("TypeError", "/double takes a number");
    return json(2 * x.get<double>());
  });
  app.add_route("/inc", [](const json& x) { return json(x.get<double>() + 1); });
  app.add_route("/fail", [](const json& x) -> json { throw call_error("ExampleError", x.dump()); });

  // Routes made of routes.
  app.add_route("/double_then_inc", sequential({"/double", "/inc"}));
  app.add_route("/both", ensemble({"/double", "/inc"}));
  app.add_route("/lenient", ensemble({"/double", "/fail"}, /*fail_fast=*/false));
  app.add_route("/by_sign", switch_route([](const json& x) { return x.get<double>() < 0 ? 1 : 0; },
                                         {"/double", "/inc"}));
  app.add_route("/nested", sequential({ensemble({"/double", "/inc"}), "/fail"}));

  // A plain function that calls a route, and chains on its value.
  app.add_route("/inc_twice", [](const call& c) {
    return call_route(c, "/inc", c.input).then([c](const json& once) {
      return call_route(c, "/inc", once);
    });
  });
  app.add_route<tally>("/tally");

  node service(app);
  std::cout << service.call("/double_then_inc", 5) << "\n"; // 11.0
  std::cout << service.call("/both", 5) << "\n";            // [10.0,6.0]
  std::cout << service.call("/lenient", 5) << "\n";         // [10.0,{"error":...}]
  std::cout << service.call("/by_sign", -5) << "\n";        // -4.0
  std::cout << service.call("/inc_twice", 1) << "\n";       // 3.0
  std::cout << service.call("/tally", 5) << "\n";           // {"doubled":10.0,"served":1}
  try {
    service.call("/nested", 1);
  } catch (const call_error& e) {
    std::cout << e.type() << ": " << e.what() << "\n"; // ExampleError: [2.0,2.0]
  }
  service.shutdown();
  service.wait();
  return 0;
}
