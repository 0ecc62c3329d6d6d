// Step 10 of docs/examples/README.md, and the example of docs/batching.md.
#include <algorithm>
#include <future>
#include <iostream>
#include <vector>

#include "actors/application.hpp"
#include "actors/call_error.hpp"
#include "actors/node.hpp"

using namespace actorserve;

int main() {
  application app;

  // A batch route takes the list of its batch's inputs and returns a list of
  // as many results, in the same order: one "model" call for many requests.
  route_options batches;
  batches.batch_size = 8;
  batches.batch_wait_time = std::chrono::milliseconds{5};
  batches.blocking = true; // it holds its thread, like a model would
  batches.concurrency = 2; // two batches at once
  app.add_route("/square", [](const json& xs) {
    auto out = json::array();
    for (auto& x : xs)
      out.push_back(json{{"square", x.get<int>() * x.get<int>()}, {"batch", xs.size()}});
    return out;
  }, batches);

  // A batch route that returns too few results fails every call of that batch.
  route_options short_batches;
  short_batches.batch_size = 4;
  app.add_route("/broken", [](const json&) { return json::array(); }, short_batches);

  node service(app);
  std::vector<std::future<json>> calls;
  for (int i = 1; i <= 20; ++i)
    calls.push_back(service.call_async("/square", i));
  int sum = 0;
  std::size_t largest = 0;
  for (auto& f : calls) {
    auto r = f.get();
    sum += r["square"].get<int>();
    largest = std::max(largest, r["batch"].get<std::size_t>());
  }
  std::cout << "sum of squares: " << sum << "\n";                     // 2870
  std::cout << "no batch above 8: " << (largest <= 8 ? "yes" : "no") << "\n"; // yes
  try {
    service.call("/broken", 1);
  } catch (const call_error& e) {
    std::cout << e.type() << ": " << e.what() << "\n";
    // RouteFailed: route /broken returned 0 results for a batch of 1 call; ...
  }
  service.shutdown();
  service.wait();
  return 0;
}
