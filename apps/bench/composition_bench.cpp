// Benchmark: the cost of one hop of a composition. A `sequential` of three
// trivial function routes (/seq = /a, /b, /c) against calling one of them
// (/one), with 1 and 64 calls in flight through the node's callback API, in
// one process and with the members in 2 worker processes. Modes run
// interleaved for several rounds and the medians are reported on one line:
//   BENCH composition_hop inproc_hop_1_us=... inproc_hop_64_us=... workers_... settings: ...
// A hop's cost is (time of /seq - time of /one) / 3: at 1 in flight from the
// median latencies, at 64 in flight from the throughputs (1e6 / calls/s).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "actors/application.hpp"
#include "actors/composition.hpp"
#include "actors/node.hpp"
#include "apps/bench/ready_process.hpp"
#include "actors/worker_invitation.hpp"

using namespace actorserve;
using steady = std::chrono::steady_clock;
using actorserve::bench::median;

namespace {

application make_app() {
  application app;
  route_options cheap;
  cheap.capacity = 16384;
  auto identity = [](const json& x) { return x; };
  app.add_route("/one", identity, cheap);
  app.add_route("/a", identity, cheap);
  app.add_route("/b", identity, cheap);
  app.add_route("/c", identity, cheap);
  app.add_route("/seq", sequential({"/a", "/b", "/c"}), cheap);
  return app;
}

struct figures {
  double calls_per_s;
  double p50_us;
};

/// `in_flight` calls to `path` kept going for `length`.
figures run(node& n, const std::string& path, int in_flight, std::chrono::duration<double> length) {
  struct shared {
    node* n;
    std::string path;
    steady::time_point until;
    std::vector<std::vector<std::uint32_t>> lat;
    std::atomic<int> running;
    std::promise<void> done;
    std::function<void(int)> issue;
  };
  auto s = std::make_shared<shared>();
  s->n = &n;
  s->path = path;
  s->until = steady::now() + std::chrono::duration_cast<steady::duration>(length);
  s->lat.resize(static_cast<std::size_t>(in_flight));
  s->running = in_flight;
  auto finished = s->done.get_future();
  s->issue = [raw = s.get()](int slot) {
    auto t = steady::now();
    call c{raw->path, 21, raw->n->deadline_after(std::chrono::seconds{60})};
    raw->n->call_async(std::move(c), [raw, slot, t](reply) {
      raw->lat[static_cast<std::size_t>(slot)].push_back(static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - t).count()));
      if (steady::now() < raw->until)
        raw->issue(slot);
      else if (--raw->running == 0)
        raw->done.set_value();
    });
  };
  auto start = steady::now();
  for (int i = 0; i < in_flight; ++i)
    s->issue(i);
  finished.wait();
  auto seconds = std::chrono::duration<double>(steady::now() - start).count();
  std::vector<std::uint32_t> all;
  for (auto& v : s->lat)
    all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  return {all.size() / seconds, all.empty() ? 0.0 : all[all.size() / 2] / 1000.0};
}

/// The four measurements of one node, and the hop costs made of them.
struct mode {
  const char* name;
  node* n;
  std::vector<double> one_1, seq_1, one_64, seq_64; // p50 us, p50 us, calls/s, calls/s
};

} // namespace

int main(int argc, char** argv) {
  auto app = make_app();
  if (auto invitation = take_worker_invitation()) {
    // Started again by the benchmark's own supervisor: serve as its worker.
    node_options o;
    o.handle_signals = false;
    o.pool.join = *invitation;
    node worker(app, o);
    worker.wait();
    return 0;
  }
  int rounds = argc > 1 ? std::atoi(argv[1]) : 3;
  double seconds = argc > 2 ? std::atof(argv[2]) : 1.0;
  std::chrono::duration<double> length(seconds);
  node_options in_process;
  in_process.handle_signals = false;
  node local(app, in_process);
  node_options with_workers = in_process;
  with_workers.pool.workers = 2;
  node supervised(app, with_workers);
  std::vector<mode> modes{{"inproc", &local, {}, {}, {}, {}},
                          {"workers", &supervised, {}, {}, {}, {}}};
  for (int r = 0; r < rounds; ++r) {
    for (auto& m : modes) {
      m.one_1.push_back(run(*m.n, "/one", 1, length).p50_us);
      m.seq_1.push_back(run(*m.n, "/seq", 1, length).p50_us);
      m.one_64.push_back(run(*m.n, "/one", 64, length).calls_per_s);
      m.seq_64.push_back(run(*m.n, "/seq", 64, length).calls_per_s);
    }
  }
  std::string line = "BENCH composition_hop";
  char buf[256];
  for (auto& m : modes) {
    auto one_1 = median(m.one_1);
    auto seq_1 = median(m.seq_1);
    auto one_64 = median(m.one_64);
    auto seq_64 = median(m.seq_64);
    std::snprintf(buf, sizeof buf,
                  " %s_hop_1_us=%.2f %s_hop_64_us=%.2f %s_one_1_p50_us=%.1f %s_seq_1_p50_us=%.1f"
                  " %s_one_64_calls_per_s=%.0f %s_seq_64_calls_per_s=%.0f",
                  m.name, (seq_1 - one_1) / 3, m.name, (1e6 / seq_64 - 1e6 / one_64) / 3, m.name,
                  one_1, m.name, seq_1, m.name, one_64, m.name, seq_64);
    line += buf;
  }
  std::snprintf(buf, sizeof buf,
                " settings: rounds=%d seconds_per_run=%.1f members=3 route=identity input=21"
                " workers=2 cores=%u medians_of_rounds",
                rounds, seconds, std::thread::hardware_concurrency());
  line += buf;
  std::puts(line.c_str());
  std::fflush(stdout);
  local.shutdown();
  supervised.shutdown();
  local.wait();
  supervised.wait();
  return 0;
}
