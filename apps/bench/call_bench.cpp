// Benchmark: in-process calls to /double, through the node's call API and
// actor to actor, with 1 and 64 calls in flight. Modes run interleaved for
// several rounds (A B C D A B C D ...) and the medians are reported on one
// line:
//   BENCH call_double <mode>_calls_per_s=... <mode>_p50_us=... <mode>_p99_us=... settings: ...
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/node.hpp"
#include "apps/bench/ready_process.hpp"
#include "apps/example/example_routes.hpp"

using namespace actorserve;
using steady = std::chrono::steady_clock;
using actorserve::bench::median;

namespace {

struct figures {
  double calls_per_s;
  double p50_us;
  double p99_us;
};

figures summarize(std::vector<std::uint32_t>& latencies_ns, double seconds) {
  std::sort(latencies_ns.begin(), latencies_ns.end());
  auto at = [&](double q) {
    if (latencies_ns.empty())
      return 0.0;
    return latencies_ns[static_cast<size_t>(q * (latencies_ns.size() - 1))] / 1000.0;
  };
  return {latencies_ns.size() / seconds, at(0.50), at(0.99)};
}

std::uint32_t ns_since(steady::time_point t) {
  return static_cast<std::uint32_t>(
    std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - t).count());
}

/// Blocking calls, one at a time: what a plain C++ caller sees.
figures api_blocking(node& n, std::chrono::duration<double> length) {
  std::vector<std::uint32_t> lat;
  // Room for 4 million calls a second (a call on this thread takes about
  // 0.3 us): no reallocation while timing.
  lat.reserve(static_cast<std::size_t>(std::max(1.0, length.count()) * 4'000'000));
  auto start = steady::now();
  auto until = start + length;
  while (steady::now() < until) {
    auto t = steady::now();
    n.call("/double", 21);
    lat.push_back(ns_since(t));
  }
  return summarize(lat, std::chrono::duration<double>(steady::now() - start).count());
}

/// `in_flight` calls kept going through the callback API.
figures api_callbacks(node& n, int in_flight, std::chrono::duration<double> length) {
  struct shared {
    node* n;
    steady::time_point until;
    std::vector<std::vector<std::uint32_t>> lat;
    std::atomic<int> running;
    std::promise<void> done;
  };
  shared s{&n, steady::now() + std::chrono::duration_cast<steady::duration>(length),
           std::vector<std::vector<std::uint32_t>>(in_flight), {in_flight}, {}};
  auto finished = s.done.get_future();
  std::function<void(int)> issue = [&s, &issue](int slot) {
    auto t = steady::now();
    call c{"/double", 21, s.n->deadline_after(std::chrono::seconds{60}), 0, nullptr};
    s.n->call_async(std::move(c), [&s, &issue, slot, t](reply) {
      s.lat[slot].push_back(ns_since(t));
      if (steady::now() < s.until)
        issue(slot);
      else if (--s.running == 0)
        s.done.set_value();
    });
  };
  auto start = steady::now();
  for (int i = 0; i < in_flight; ++i)
    issue(i);
  finished.wait();
  auto seconds = std::chrono::duration<double>(steady::now() - start).count();
  std::vector<std::uint32_t> all;
  for (auto& v : s.lat)
    all.insert(all.end(), v.begin(), v.end());
  return summarize(all, seconds);
}

/// An actor keeping `in_flight` requests going to the route's gate.
figures actor_requests(node& n, int in_flight, std::chrono::duration<double> length) {
  auto gate = n.route("/double");
  std::promise<std::pair<std::vector<std::uint32_t>, double>> result;
  auto future = result.get_future();
  n.system().spawn([&, gate, in_flight, length](caf::event_based_actor* self) {
    struct state {
      std::vector<std::uint32_t> lat;
      steady::time_point start = steady::now();
      steady::time_point until;
      int running;
    };
    auto st = std::make_shared<state>();
    st->until = st->start + std::chrono::duration_cast<steady::duration>(length);
    st->running = in_flight;
    st->lat.reserve(4'000'000);
    auto issue = std::make_shared<std::function<void()>>();
    *issue = [=, &result]() {
      auto t = steady::now();
      call c{"/double", 21, self->clock().now() + std::chrono::seconds{60}, 0, nullptr};
      self->request(gate, caf::infinite, call_atom::value, std::move(c))
        .then(
          [=, &result](reply&) {
            st->lat.push_back(ns_since(t));
            if (steady::now() < st->until) {
              (*issue)();
            } else if (--st->running == 0) {
              auto secs = std::chrono::duration<double>(steady::now() - st->start).count();
              result.set_value({std::move(st->lat), secs});
              *issue = nullptr; // break the cycle
              self->quit();
            }
          },
          [=](caf::error&) { self->quit(); });
    };
    for (int i = 0; i < in_flight; ++i)
      (*issue)();
  });
  auto [lat, secs] = future.get();
  return summarize(lat, secs);
}

} // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 3;
  double seconds = argc > 2 ? std::atof(argv[2]) : 1.0;
  node_options options;
  options.handle_signals = false;
  node service(example::make_example_application(), options);
  std::chrono::duration<double> length(seconds);
  const char* names[] = {"api_1", "api_64", "actor_1", "actor_64"};
  std::vector<std::vector<figures>> runs(4);
  for (int r = 0; r < rounds; ++r) {
    runs[0].push_back(api_blocking(service, length));
    runs[1].push_back(api_callbacks(service, 64, length));
    runs[2].push_back(actor_requests(service, 1, length));
    runs[3].push_back(actor_requests(service, 64, length));
  }
  std::string line = "BENCH call_double";
  char buf[160];
  for (int m = 0; m < 4; ++m) {
    std::vector<double> cps, p50, p99;
    for (auto& f : runs[m]) {
      cps.push_back(f.calls_per_s);
      p50.push_back(f.p50_us);
      p99.push_back(f.p99_us);
    }
    std::snprintf(buf, sizeof buf, " %s_calls_per_s=%.0f %s_p50_us=%.1f %s_p99_us=%.1f",
                  names[m], median(cps), names[m], median(p50), names[m], median(p99));
    line += buf;
  }
  std::snprintf(buf, sizeof buf,
                " settings: rounds=%d seconds_per_mode=%.1f scheduler_threads=%u "
                "route=/double input=21 medians_of_rounds",
                rounds, seconds, std::max(2u, std::thread::hardware_concurrency()));
  line += buf;
  std::puts(line.c_str());
  std::fflush(stdout);
  service.shutdown();
  return 0;
}
