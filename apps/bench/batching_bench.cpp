// Benchmark: what dynamic batching buys. A blocking route whose cost is
// 2 ms per call of its function plus 20 us per item (a sleep: a model on a
// device, not the CPU), one instance (one device), served over the socket
// gateway (a Unix socket) to 64 concurrent callers; with batch_size 32
// (/batched) and without batching (/single). Modes run interleaved for
// several rounds and the medians are reported on one line:
//   BENCH batching batched_items_per_s=... single_items_per_s=... ... settings: ...
// The ideal is what the cost model allows: the instance running full batches
// back to back (batched), or one item per call (single).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "actors/application.hpp"
#include "actors/node.hpp"
#include "apps/bench/ready_process.hpp"
#include "gateways/socket/socket_client.hpp"
#include "gateways/socket/socket_server.hpp"

using namespace actorserve;
using namespace actorserve::socket;
using steady = std::chrono::steady_clock;
using actorserve::bench::median;

namespace {

constexpr auto per_call = std::chrono::microseconds{2000};
constexpr auto per_item = std::chrono::microseconds{20};
constexpr int instances = 1; // one device
constexpr int batch = 32;
constexpr int callers = 64;

json model(const json& xs) {
  std::this_thread::sleep_for(per_call + per_item * static_cast<int>(xs.size()));
  auto out = json::array();
  for (auto& x : xs)
    out.push_back(x);
  return out;
}

application make_app() {
  application app;
  route_options batched;
  batched.blocking = true;
  batched.concurrency = instances;
  batched.batch_size = batch;
  batched.batch_wait_time = std::chrono::milliseconds{10};
  app.add_route("/batched", model, batched);
  route_options single;
  single.blocking = true;
  single.concurrency = instances;
  // The same function, one item per call: its input is made a list of one.
  app.add_route("/single", [](const json& x) { return model(json::array({x}))[0]; }, single);
  return app;
}

/// Items per second through `path`, `callers` threads each waiting for its
/// answer before the next call.
double run(const std::string& socket_path, const std::string& path,
           std::chrono::duration<double> length) {
  client_options o;
  o.path = socket_path;
  o.num_connections = 4;
  socket_client client(o);
  std::atomic<std::uint64_t> done{0};
  std::atomic<bool> failed{false};
  auto until = steady::now() + std::chrono::duration_cast<steady::duration>(length);
  auto start = steady::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < callers; ++i)
    threads.emplace_back([&, i] {
      while (steady::now() < until) {
        try {
          client.submit(path, i).get();
          ++done;
        } catch (const std::exception& e) {
          if (!failed.exchange(true))
            std::fprintf(stderr, "batching bench: %s\n", e.what());
        }
      }
    });
  for (auto& t : threads)
    t.join();
  return done.load() / std::chrono::duration<double>(steady::now() - start).count();
}

} // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 3;
  double seconds = argc > 2 ? std::atof(argv[2]) : 2.0;
  std::chrono::duration<double> length(seconds);
  auto dir = std::filesystem::temp_directory_path()
             / ("actorserve-batching-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto socket_path = (dir / "s.sock").string();
  std::vector<double> batched, single;
  {
    node_options no;
    no.handle_signals = false;
    node n(make_app(), no);
    socket_options so;
    so.path = socket_path;
    socket_server server(n, so);
    for (int r = 0; r < rounds; ++r) {
      batched.push_back(run(socket_path, "/batched", length));
      single.push_back(run(socket_path, "/single", length));
    }
    n.shutdown();
    n.wait();
  }
  std::filesystem::remove_all(dir);
  auto per_batch = std::chrono::duration<double>(per_call + per_item * batch).count();
  auto per_single = std::chrono::duration<double>(per_call + per_item).count();
  double ideal_batched = instances * batch / per_batch;
  double ideal_single = instances / per_single;
  auto b = median(batched);
  auto s = median(single);
  std::printf("BENCH batching batched_items_per_s=%.0f batched_of_ideal=%.2f"
              " single_items_per_s=%.0f single_of_ideal=%.2f batched_over_single=%.1f"
              " settings: rounds=%d seconds_per_run=%.1f callers=%d gateway=socket(unix)"
              " connections=4 instances=%d batch_size=%d batch_wait_ms=10 cost=2ms+20us/item"
              " ideal_batched=%.0f ideal_single=%.0f medians_of_rounds\n",
              b, b / ideal_batched, s, s / ideal_single, b / s, rounds, seconds, callers,
              instances, batch, ideal_batched, ideal_single);
  return 0;
}
