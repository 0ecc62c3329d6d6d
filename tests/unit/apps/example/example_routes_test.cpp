#define CAF_SUITE example_routes
#include <caf/test/unit_test.hpp>

#include "apps/example/example_routes.hpp"

#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "actors/call_error.hpp"
#include "actors/node.hpp"

using namespace actorserve;
using namespace std::chrono_literals;

namespace {

struct fixture {
  node service{example::make_example_application(), options()};

  static node_options options() {
    node_options o;
    o.handle_signals = false;
    o.context = worker_context{0, json{{"name", "test"}}};
    return o;
  }

  std::string failure(const std::string& path, json input) {
    try {
      service.call(path, std::move(input));
    } catch (const call_error& e) {
      return e.type() + ": " + e.what();
    }
    return "no error";
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(example_routes_tests, fixture)

CAF_TEST(double doubles numbers and objects and strings) {
  CAF_CHECK_EQUAL(service.call("/double", 23), json(46));
  CAF_CHECK_EQUAL(service.call("/double", 1.5), json(3.0));
  CAF_CHECK_EQUAL(service.call("/double", json{{"x", 8}}), (json{{"x", 8}, {"y", 16}}));
  CAF_CHECK_EQUAL(service.call("/double", "abc"), json("abcabc"));
}

CAF_TEST(double keeps whole numbers exact and goes to floating point past 64 bits) {
  constexpr auto i64 = std::numeric_limits<std::int64_t>::max();
  constexpr auto u64 = std::numeric_limits<std::uint64_t>::max();
  auto twice = [this](json x) { return json_text(service.call("/double", std::move(x))); };
  CAF_CHECK_EQUAL(twice(json(i64 / 2)), std::to_string(i64 / 2 * 2));
  CAF_CHECK_EQUAL(twice(json(std::uint64_t{u64 / 2})), std::to_string(u64 / 2 * 2));
  // Past the largest int64, as JSON reads it (unsigned): positive, as a double.
  CAF_CHECK_EQUAL(service.call("/double", json::parse("12345678901234567890")),
                  json(24691357802469135780.0));
  CAF_CHECK_EQUAL(service.call("/double", json(u64)), json(2.0 * static_cast<double>(u64)));
  CAF_CHECK_EQUAL(twice(json(-21)), "-42");
  auto object = service.call("/double", json::parse("{\"x\":12345678901234567890}"));
  CAF_CHECK_EQUAL(object["y"], json(24691357802469135780.0));
  CAF_CHECK_EQUAL(failure("/double", json::array({1})),
                  "TypeError: /double takes a number, a string or {\"x\": number}; got array [1]");
  CAF_CHECK_EQUAL(failure("/double", nullptr).substr(0, 10), "TypeError:");
}

CAF_TEST(echo returns its input unchanged) {
  CAF_CHECK_EQUAL(service.call("/echo", nullptr), json(nullptr));
  json nested{{"a", {1, 2, {{"b", "c"}}}}};
  CAF_CHECK_EQUAL(service.call("/echo", nested), nested);
}

CAF_TEST(100 concurrent sleeps of 0.2 s finish in about 0.2 s) {
  auto start = std::chrono::steady_clock::now();
  std::vector<std::future<json>> calls;
  for (int i = 0; i < 100; ++i)
    calls.push_back(service.call_async("/sleep", 0.2));
  for (auto& c : calls)
    CAF_CHECK_EQUAL(c.get(), json(0.2));
  auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CAF_MESSAGE("100 x /sleep 0.2 took " << elapsed << " s");
  CAF_CHECK_GREATER_OR_EQUAL(elapsed, 0.2);
  CAF_CHECK_LESS(elapsed, 1.0);
  CAF_CHECK_EQUAL(failure("/sleep", "soon"),
                  "ValueError: /sleep takes a number from 0 to 3600; got string \"soon\"");
}

CAF_TEST(spin and info and fail) {
  CAF_CHECK_EQUAL(service.call("/spin", 5), (json{{"pid", ::getpid()}}));
  CAF_CHECK_EQUAL(failure("/spin", -1),
                  "ValueError: /spin takes a number from 0 to 60000; got number -1");
  CAF_CHECK_EQUAL(failure("/spin", 60001),
                  "ValueError: /spin takes a number from 0 to 60000; got number 60001");
  CAF_CHECK_EQUAL(service.call("/spin", 0), (json{{"pid", ::getpid()}}));
  CAF_CHECK_EQUAL(service.call("/info", nullptr),
                  (json{{"pid", ::getpid()}, {"worker_index", 0},
                        {"worker_context", {{"name", "test"}}}}));
  CAF_CHECK_EQUAL(failure("/fail", "on purpose"), "ExampleError: on purpose");
}

// /spin burns CPU time, not wall-clock time: however the machine shares its
// cores, a call to /spin 50 costs the process at least 50 ms of CPU. Busy
// threads, twice as many as cores, compete with it: a spin on the wall
// clock would end after 50 ms having burnt a fraction of that.
CAF_TEST(spin burns the cpu time it is asked for) {
  auto cpu_seconds = [](clockid_t clock) {
    timespec t{};
    ::clock_gettime(clock, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
  };
  // The cores this process may run on (its affinity), not the machine's.
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  int cores = ::sched_getaffinity(0, sizeof allowed, &allowed) == 0 ? CPU_COUNT(&allowed) : 1;
  // Stops and joins the busy threads however the test ends.
  struct busy_threads {
    std::atomic<bool> stop{false};
    std::vector<double> cpu;
    std::vector<std::thread> threads;
    ~busy_threads() {
      stop = true;
      for (auto& t : threads)
        t.join();
    }
  } busy;
  busy.cpu.assign(2 * std::max(1, cores), 0.0);
  auto before = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
  for (auto& used : busy.cpu)
    busy.threads.emplace_back([&busy, &used, cpu_seconds] {
      auto start = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
      volatile std::uint64_t sink = 0;
      while (!busy.stop.load(std::memory_order_relaxed))
        sink = sink + 1;
      used = cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - start;
    });
  json answer;
  std::string failed;
  try {
    answer = service.call("/spin", 50);
  } catch (const std::exception& e) {
    failed = e.what();
  }
  busy.stop = true;
  for (auto& t : busy.threads)
    t.join();
  busy.threads.clear();
  auto used = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - before;
  for (auto b : busy.cpu)
    used -= b;
  CAF_MESSAGE("/spin 50 used " << used * 1000 << " ms of the process's CPU beside "
                               << busy.cpu.size() << " busy threads");
  CAF_CHECK_EQUAL(failed, "");
  CAF_CHECK_EQUAL(answer, (json{{"pid", ::getpid()}}));
  CAF_CHECK_GREATER_OR_EQUAL(used, 0.050);
}

CAF_TEST_FIXTURE_SCOPE_END()
