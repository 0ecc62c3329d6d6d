#define CAF_SUITE node
#include <caf/test/unit_test.hpp>

#include "actors/node.hpp"

#include <caf/send.hpp>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <future>
#include <thread>
#include <tuple>
#include <vector>

#include "actors/call_error.hpp"
#include "actors/error_type.hpp"
#include "actors/route_actor.hpp"

using namespace actorserve;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

node_options quiet_options() {
  node_options options;
  options.handle_signals = false;
  options.scheduler_threads = 2;
  return options;
}

double seconds_since(steady::time_point start) {
  return std::chrono::duration<double>(steady::now() - start).count();
}

/// This thread, as a number a route can answer with.
std::uint64_t this_thread() {
  return static_cast<std::uint64_t>(std::hash<std::thread::id>{}(std::this_thread::get_id()));
}

std::string error_type_of(std::future<json>& f) {
  try {
    f.get();
  } catch (const call_error& e) {
    return e.type();
  }
  return "no error";
}

/// Answers its input after the given milliseconds, from a timer.
class later_route : public route_actor {
public:
  using route_actor::route_actor;

protected:
  caf::result<reply> handle(const call& request) override {
    auto promise = make_response_promise();
    waiting_.emplace_back(promise, request.input);
    delayed_send(this, std::chrono::milliseconds(request.input.get<int>()),
                 caf::atom("wake"), waiting_.size() - 1);
    return promise;
  }

  caf::message_handler extra_handlers() override {
    return {[this](caf::atom_value, size_t i) {
      waiting_[i].first.deliver(reply{waiting_[i].second});
    }};
  }

  // A promise holds its requester: let go of them, or the two keep each
  // other alive after both stopped.
  void on_exit() override {
    waiting_.clear();
  }

private:
  std::vector<std::pair<caf::response_promise, json>> waiting_;
};

class broken_route : public route_actor {
public:
  broken_route(caf::actor_config& cfg, const worker_context& ctx) : route_actor(cfg, ctx) {
    throw std::runtime_error("no model file at " + ctx.value.get<std::string>());
  }

protected:
  caf::result<reply> handle(const call&) override {
    return json(nullptr);
  }
};

application test_app() {
  application app;
  app.add_route("/echo", [](const json& x) { return x; });
  app.add_route<later_route>("/later");
  route_options blocking;
  blocking.blocking = true;
  blocking.concurrency = 2;
  app.add_route("/block", [](const json& x) {
    std::this_thread::sleep_for(std::chrono::milliseconds(x.get<int>()));
    return x;
  }, blocking);
  return app;
}

/// What a call from a gateway's own thread (run_on::calling_thread) was
/// answered, and whether the answer came on that thread before call_async
/// returned.
struct gateway_reply {
  reply answer;
  bool at_once = false;
};

/// Waits (about 10 s at most) until a call to `path` through its gate is
/// answered ShuttingDown: the gate has drained, stopped or ended by then.
bool refuses_through_gate(node& n, const std::string& path) {
  auto until = steady::now() + 10s;
  while (steady::now() < until) {
    auto f = n.call_async(path, 1, 1s);
    if (error_type_of(f) == error_type::shutting_down)
      return true;
    std::this_thread::sleep_for(1ms);
  }
  return false;
}

/// (A reply of type NoReply when none came within 15 s.)
gateway_reply call_from_gateway(node& n, const std::string& path, json input,
                                std::chrono::nanoseconds timeout = 10s) {
  auto done = std::make_shared<std::promise<reply>>();
  auto result = done->get_future();
  auto returned = std::make_shared<std::atomic<bool>>(false);
  auto at_once = std::make_shared<std::atomic<bool>>(false);
  auto caller = std::this_thread::get_id();
  n.call_async(actorserve::call{path, std::move(input), n.deadline_after(timeout)},
               [=](reply r) {
                 *at_once = !*returned && std::this_thread::get_id() == caller;
                 done->set_value(std::move(r));
               },
               node::run_on::calling_thread);
  *returned = true;
  if (result.wait_for(15s) != std::future_status::ready)
    return {reply::failure("NoReply", "no answer within 15 s"), false};
  return {result.get(), at_once->load()};
}

} // namespace

CAF_TEST(the call API returns values and throws named errors) {
  node n(test_app(), quiet_options());
  CAF_CHECK_EQUAL(n.call("/echo", json{{"a", 1}}), (json{{"a", 1}}));
  auto f = n.call_async("/echo", "async");
  CAF_CHECK_EQUAL(f.get(), json("async"));
  auto missing = n.call_async("/missing", 1);
  CAF_CHECK_EQUAL(error_type_of(missing), error_type::not_found);
  try {
    n.call("/later", 2000, 50ms);
    CAF_FAIL("expected a Timeout");
  } catch (const call_error& e) {
    CAF_CHECK_EQUAL(e.type(), error_type::timeout);
  }
}

CAF_TEST(a route that takes its input by value gets it without a copy) {
  // Where the string's bytes are: the same address in the route means the
  // input came all the way from the caller by moves.
  auto address = [](const json& x) {
    return static_cast<std::uint64_t>(
      reinterpret_cast<std::uintptr_t>(x.get_ref<const std::string&>().data()));
  };
  application app;
  app.add_route("/by_value", [address](json x) { return address(x); });
  app.add_route("/by_ref", [address](const json& x) { return address(x); });
  route_options blocking;
  blocking.blocking = true;
  app.add_route("/by_value_blocking", [address](json x) { return address(x); }, blocking);
  app.add_route("/takes_and_keeps", [](json x) {
    x["seen"] = true;
    return x;
  });
  node n(std::move(app), quiet_options());
  for (auto path : {"/by_value", "/by_ref", "/by_value_blocking"}) {
    CAF_MESSAGE(path);
    json input = std::string(4096, 'a');
    auto sent = address(input);
    CAF_CHECK_EQUAL(n.call(path, std::move(input)).get<std::uint64_t>(), sent);
    // And through the gate (node.call runs the first two on this thread).
    json again = std::string(4096, 'a');
    auto sent_again = address(again);
    CAF_CHECK_EQUAL(n.call_async(path, std::move(again)).get().get<std::uint64_t>(), sent_again);
  }
  CAF_CHECK_EQUAL(n.call("/takes_and_keeps", json{{"x", 1}}), (json{{"x", 1}, {"seen", true}}));
}

CAF_TEST(a gateway thread runs a plain function itself and its gate counts the calls) {
  application app;
  app.add_route("/double", [](json x) { return 2 * x.get<int>(); });
  app.add_route("/whole", [](const call& c) { return reply{c.input}; });
  auto options = quiet_options();
  options.gateway_run_limit = 1s; // no run found slow on a loaded machine
  node n(std::move(app), options);
  for (int i = 0; i < 5; ++i) {
    auto r = call_from_gateway(n, "/double", i);
    CAF_CHECK_EQUAL(r.answer.value(), json(2 * i));
    CAF_CHECK(r.at_once);
  }
  auto w = call_from_gateway(n, "/whole", "w");
  CAF_CHECK_EQUAL(w.answer.value(), json("w"));
  CAF_CHECK_EQUAL(n.call_async("/double", 4).get(), json(8)); // through the gate
  auto counts = n.counts("/double");
  CAF_REQUIRE(counts);
  CAF_CHECK_EQUAL(counts->admitted, 6u);
  CAF_CHECK_EQUAL(counts->admitted_by_calling_threads, 5u);
  // A function that takes the call goes through its gate.
  auto whole = n.counts("/whole");
  CAF_REQUIRE(whole);
  CAF_CHECK_EQUAL(whole->admitted, 1u);
  CAF_CHECK_EQUAL(whole->admitted_by_calling_threads, 0u);
}

CAF_TEST(calls a gateway thread runs itself are counted in the metrics as the gates count) {
  application app;
  app.add_route("/half", [](json x) -> json {
    if (!x.is_number())
      throw call_error("NotANumber", "half of what?");
    return x.get<double>() / 2;
  });
  auto options = quiet_options();
  options.gateway_run_limit = 1s;
  node n(std::move(app), options);
  call_from_gateway(n, "/half", 4);
  CAF_CHECK_EQUAL(n.call_async("/half", 8).get(), json(4.0)); // through the gate
  auto failed = call_from_gateway(n, "/half", "x");
  CAF_CHECK_EQUAL(failed.answer.error_type(), "NotANumber");
  auto through_gate = n.call_async("/half", "y");
  CAF_CHECK_EQUAL(error_type_of(through_gate), "NotANumber");
  // Refused on the gateway's thread: a drop, not in the durations.
  auto late = call_from_gateway(n, "/half", 2, -1ms);
  CAF_CHECK_EQUAL(late.answer.error_type(), error_type::timeout);
  std::promise<std::string> text;
  n.collect_metrics([&](std::string t) { text.set_value(std::move(t)); });
  auto metrics = text.get_future().get();
  CAF_MESSAGE(metrics);
  for (auto line : {"actorserve_calls_total{route=\"/half\",outcome=\"ok\"} 2",
                    "actorserve_calls_total{route=\"/half\",outcome=\"NotANumber\"} 2",
                    "actorserve_calls_total{route=\"/half\",outcome=\"Timeout\"} 1",
                    "actorserve_calls_dropped_total{route=\"/half\",reason=\"deadline\"} 1",
                    "actorserve_call_duration_seconds_count{route=\"/half\"} 4"})
    CAF_CHECK(metrics.find(std::string(line) + "\n") != std::string::npos);
  auto counts = n.counts("/half");
  CAF_REQUIRE(counts);
  CAF_CHECK_EQUAL(counts->admitted_by_calling_threads, 2u);
}

CAF_TEST(a plain function runs one call at a time however many threads call it) {
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  application app;
  app.add_route("/one", [&](json x) {
    auto now = ++inside;
    for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
    }
    auto until = steady::now() + 20us;
    while (steady::now() < until) {
    }
    --inside;
    return x;
  });
  auto options = quiet_options();
  options.gateway_run_limit = 1s; // no run found slow on a loaded machine
  node n(std::move(app), options);
  constexpr int per_thread = 200;
  std::vector<std::thread> gateways;
  std::atomic<int> answered{0};
  for (int t = 0; t < 3; ++t)
    gateways.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i)
        if (call_from_gateway(n, "/one", t * per_thread + i).answer.value()
            == json(t * per_thread + i))
          ++answered;
    });
  // A blocking caller runs it on its thread too, or through the gate.
  gateways.emplace_back([&] {
    for (int i = 0; i < per_thread; ++i) {
      try {
        if (n.call("/one", -i) == json(-i))
          ++answered;
      } catch (const call_error&) {
        // Not answered: counted short below.
      }
    }
  });
  std::vector<std::future<json>> through_gate;
  for (int i = 0; i < per_thread; ++i)
    through_gate.push_back(n.call_async("/one", i));
  for (auto& g : gateways)
    g.join();
  for (int i = 0; i < per_thread; ++i)
    CAF_CHECK_EQUAL(through_gate[i].get(), json(i));
  CAF_CHECK_EQUAL(answered.load(), 4 * per_thread);
  CAF_CHECK_EQUAL(most.load(), 1);
  auto counts = n.counts("/one");
  CAF_REQUIRE(counts);
  CAF_CHECK_EQUAL(counts->admitted, 5u * per_thread);
  // The callers' threads ran it themselves, not only through the gate.
  CAF_CHECK_GREATER(counts->admitted_by_calling_threads, 0u);
}

CAF_TEST(the blocking call API runs a plain function on the calling thread) {
  std::atomic<node*> self{nullptr};
  application app;
  app.add_route("/where", [&](json) { return this_thread(); });
  app.add_route("/where_whole", [&](const call&) { return reply{this_thread()}; });
  route_options blocking;
  blocking.blocking = true;
  app.add_route("/where_blocking", [&](json) { return this_thread(); }, blocking);
  app.add_route("/refuse", [](json) -> json { throw call_error("NotANumber", "no"); });
  // Run in place, it calls /where, which must not run on its thread then.
  app.add_route("/outer", [&](json) { return json{this_thread(), self.load()->call("/where")}; });
  node n(std::move(app), quiet_options());
  self = &n;
  auto here = this_thread();
  CAF_CHECK_EQUAL(n.call("/where"), json(here));
  // Through the gate, on its threads: a function that takes the call (it
  // may call routes), and a blocking one (its instance's thread).
  CAF_CHECK_NOT_EQUAL(n.call("/where_whole"), json(here));
  CAF_CHECK_NOT_EQUAL(n.call("/where_blocking"), json(here));
  // The future API still hands the call over.
  CAF_CHECK_NOT_EQUAL(n.call_async("/where").get(), json(here));
  auto nested = n.call("/outer");
  CAF_CHECK_EQUAL(nested[0], json(here));
  CAF_CHECK_NOT_EQUAL(nested[1], json(here));
  // The route's own error, and a refusal, as the gate answers them.
  try {
    n.call("/refuse", 1);
    CAF_FAIL("expected NotANumber");
  } catch (const call_error& e) {
    CAF_CHECK_EQUAL(e.type(), "NotANumber");
    CAF_CHECK_EQUAL(std::string(e.what()), "no");
  }
  try {
    n.call("/where", 1, -1ms);
    CAF_FAIL("expected a Timeout");
  } catch (const call_error& e) {
    CAF_CHECK_EQUAL(e.type(), error_type::timeout);
  }
  for (auto [path, admitted, by_callers] : {std::tuple{"/where", 3u, 1u}, std::tuple{"/outer", 1u, 1u},
                                            std::tuple{"/refuse", 1u, 1u}}) {
    CAF_MESSAGE(path);
    auto counts = n.counts(path);
    CAF_REQUIRE(counts);
    CAF_CHECK_EQUAL(counts->admitted, admitted);
    CAF_CHECK_EQUAL(counts->admitted_by_calling_threads, by_callers);
  }
  // Once the service drains, refused on the calling thread as the gate
  // refuses.
  n.shutdown();
  CAF_REQUIRE(refuses_through_gate(n, "/where"));
  try {
    n.call("/where", 1, 1s);
    CAF_FAIL("expected ShuttingDown");
  } catch (const call_error& e) {
    CAF_CHECK_EQUAL(e.type(), error_type::shutting_down);
  }
}

CAF_TEST(the blocking call API goes through the gate while another thread runs the function) {
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<bool> holding{false};
  application app;
  app.add_route("/held", [&](json x) {
    if (x == json(1)) { // holds the function, and its lock, until released
      holding = true;
      released.wait();
    }
    return this_thread();
  });
  node n(std::move(app), quiet_options());
  // node.call(input) on a thread of its own: that thread's id, and the
  // answer (null if the call threw, which the checks catch).
  auto call_on_thread = [&](int input, std::uint64_t& caller, json& answer) {
    return std::thread([&n, input, &caller, &answer] {
      caller = this_thread();
      try {
        answer = n.call("/held", input);
      } catch (const call_error&) {
      }
    });
  };
  std::uint64_t first_caller = 0;
  json first;
  auto holder = call_on_thread(1, first_caller, first);
  auto until = steady::now() + 10s;
  while (!holding && steady::now() < until)
    std::this_thread::sleep_for(1ms);
  CAF_CHECK(holding.load());
  std::uint64_t second_caller = 0;
  json second;
  auto waiter = call_on_thread(2, second_caller, second);
  std::this_thread::sleep_for(50ms); // the second call waits in the gate
  release.set_value(); // whatever was checked above: the threads end
  holder.join();
  waiter.join();
  CAF_CHECK_EQUAL(first, json(first_caller)); // ran on its caller's thread
  CAF_CHECK(second.is_number_unsigned());
  CAF_CHECK_NOT_EQUAL(second, json(second_caller)); // on a scheduler thread
  auto counts = n.counts("/held");
  CAF_REQUIRE(counts);
  CAF_CHECK_EQUAL(counts->admitted, 2u);
  CAF_CHECK_EQUAL(counts->admitted_by_calling_threads, 1u);
}

CAF_TEST(with gateway_run_limit 0 the blocking call API hands every call over) {
  application app;
  app.add_route("/where", [](json) { return this_thread(); });
  auto options = quiet_options();
  options.gateway_run_limit = 0us;
  node n(std::move(app), options);
  auto here = this_thread();
  CAF_CHECK_NOT_EQUAL(n.call("/where"), json(here));
  auto counts = n.counts("/where");
  CAF_REQUIRE(counts);
  CAF_CHECK_EQUAL(counts->admitted_by_calling_threads, 0u);
}

CAF_TEST(a plain function found slow on a gateway thread leaves it) {
  application app;
  app.add_route("/slow", [](json x) {
    std::this_thread::sleep_for(3ms); // declared non-blocking, and is not
    return x;
  });
  auto options = quiet_options();
  options.gateway_run_limit = 1ms;
  node n(std::move(app), options);
  // Two slow runs here, then the scheduler threads run it.
  CAF_CHECK(call_from_gateway(n, "/slow", 1).at_once);
  CAF_CHECK(call_from_gateway(n, "/slow", 2).at_once);
  auto third = call_from_gateway(n, "/slow", 3);
  CAF_CHECK_EQUAL(third.answer.value(), json(3));
  CAF_CHECK(!third.at_once);
  auto counts = n.counts("/slow");
  CAF_REQUIRE(counts);
  CAF_CHECK_EQUAL(counts->admitted_by_calling_threads, 2u);
}

CAF_TEST(a plain function that calls routes from a gateway thread waits on no lock) {
  std::atomic<node*> self{nullptr};
  std::promise<json> innermost;
  application app;
  // Calls itself, as a gateway's thread would, until x reaches 0.
  app.add_route("/again", [&](json x) {
    auto left = x.get<int>();
    if (left == 0) {
      innermost.set_value("done");
      return json(0);
    }
    auto* n = self.load();
    n->call_async(actorserve::call{"/again", left - 1, n->deadline_after(10s)}, [](reply) {},
                  node::run_on::calling_thread);
    return json(left);
  });
  node n(std::move(app), quiet_options());
  self = &n;
  auto outer = call_from_gateway(n, "/again", 3);
  CAF_CHECK_EQUAL(outer.answer.value(), json(3));
  auto last = innermost.get_future();
  CAF_REQUIRE(last.wait_for(10s) == std::future_status::ready);
  CAF_CHECK_EQUAL(last.get(), json("done"));
  // Only the gateway's own call ran in place; the three it led to went
  // through the gate.
  auto counts = n.counts("/again");
  CAF_REQUIRE(counts);
  CAF_CHECK_EQUAL(counts->admitted, 4u);
  CAF_CHECK_EQUAL(counts->admitted_by_calling_threads, 1u);
}

CAF_TEST(a gateway thread refuses calls once the service drains) {
  std::promise<void> release;
  auto released = release.get_future().share();
  application app;
  app.add_route("/echo", [](json x) { return x; });
  route_options blocking;
  blocking.blocking = true;
  app.add_route("/hold", [released](json x) { // keeps the drain going
    released.wait();
    return x;
  }, blocking);
  node n(std::move(app), quiet_options());
  // Whatever fails below, /hold ends before the node does.
  struct release_at_end {
    std::promise<void>& p;
    bool done = false;
    void now() {
      if (!done)
        p.set_value(), done = true;
    }
    ~release_at_end() {
      now();
    }
  } releaser{release};
  auto held = n.call_async("/hold", 1);
  n.shutdown();
  CAF_REQUIRE(refuses_through_gate(n, "/echo"));
  auto refused = call_from_gateway(n, "/echo", 1);
  CAF_CHECK_EQUAL(refused.answer.error_type(), error_type::shutting_down);
  CAF_CHECK_EQUAL(refused.answer.error_message(),
                  "the service is shutting down; route /echo takes no new calls");
  releaser.now();
  n.wait();
  CAF_CHECK_EQUAL(held.get(), json(1));
}

CAF_TEST(a gateway thread refuses calls once the service stopped without a drain) {
  node n(test_app(), quiet_options());
  n.stop_now();
  CAF_REQUIRE(refuses_through_gate(n, "/echo"));
  auto refused = call_from_gateway(n, "/echo", 1);
  CAF_CHECK_EQUAL(refused.answer.error_type(), error_type::shutting_down);
  n.wait();
}

CAF_TEST(a gateway thread refuses calls once the gate is gone) {
  node n(test_app(), quiet_options());
  caf::anon_send_exit(n.route("/echo"), caf::exit_reason::kill);
  CAF_REQUIRE(refuses_through_gate(n, "/echo"));
  auto refused = call_from_gateway(n, "/echo", 1);
  CAF_CHECK_EQUAL(refused.answer.error_type(), error_type::shutting_down);
}

CAF_TEST(a blocking route does not delay a non-blocking one) {
  node n(test_app(), quiet_options());
  auto start = steady::now();
  std::vector<std::future<json>> slow;
  for (int i = 0; i < 4; ++i)
    slow.push_back(n.call_async("/block", 400));
  std::this_thread::sleep_for(20ms); // the blocking calls are running
  auto echo_start = steady::now();
  // Through the gate, on the scheduler threads the blocking calls must not
  // hold (node.call would run /echo on this thread).
  CAF_CHECK_EQUAL(n.call_async("/echo", 1).get(), json(1));
  auto echo_time = seconds_since(echo_start);
  CAF_MESSAGE("echo answered in " << echo_time << " s while /block ran");
  CAF_CHECK_LESS(echo_time, 0.2);
  for (auto& f : slow)
    CAF_CHECK_EQUAL(f.get(), json(400));
  // Concurrency 2: four 0.4 s calls take two rounds.
  auto total = seconds_since(start);
  CAF_CHECK_GREATER_OR_EQUAL(total, 0.79);
  CAF_CHECK_LESS(total, 2.0);
}

CAF_TEST(shutdown answers admitted calls and refuses new ones) {
  node n(test_app(), quiet_options());
  std::vector<std::future<json>> admitted;
  for (int i = 0; i < 10; ++i)
    admitted.push_back(n.call_async("/later", 300));
  admitted.push_back(n.call_async("/block", 300));
  std::this_thread::sleep_for(50ms);
  auto start = steady::now();
  n.shutdown();
  std::this_thread::sleep_for(50ms);
  auto refused = n.call_async("/echo", 1);
  CAF_CHECK_EQUAL(error_type_of(refused), error_type::shutting_down);
  n.wait();
  CAF_CHECK_LESS(seconds_since(start), 2.0);
  for (auto& f : admitted)
    CAF_CHECK_EQUAL(f.get(), json(300));
}

CAF_TEST(the drain timeout bounds the shutdown) {
  auto options = quiet_options();
  options.drain_timeout = 200ms;
  node n(test_app(), options);
  auto stuck = n.call_async("/later", 10000);
  std::this_thread::sleep_for(50ms);
  auto start = steady::now();
  n.shutdown();
  n.wait();
  CAF_CHECK_LESS(seconds_since(start), 2.0);
  CAF_CHECK_EQUAL(error_type_of(stuck), error_type::shutting_down);
}

CAF_TEST(a route constructor that throws fails the start with its path) {
  application app;
  app.add_route("/echo", [](const json& x) { return x; });
  app.add_route<broken_route>("/model");
  auto options = quiet_options();
  options.context.value = "/nowhere/model.bin";
  try {
    node n(app, options);
    CAF_FAIL("the node started");
  } catch (const std::runtime_error& e) {
    CAF_CHECK_EQUAL(std::string(e.what()),
                    "route /model failed to start: runtime_error: no model file at /nowhere/model.bin");
  }
}

// SIGINT and SIGTERM are tested on the real binary (tests/system): here the
// test engine's watchdog thread would take a process-directed signal.

CAF_TEST(a blocking batch route runs concurrency batches at once on threads of its own) {
  application app;
  route_options o;
  o.blocking = true;
  o.concurrency = 2;
  o.batch_size = 4;
  o.batch_wait_time = 5ms;
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  app.add_route("/b", [&](const json& xs) {
    auto now = ++running;
    for (int seen = most; now > seen && !most.compare_exchange_weak(seen, now);) {
    }
    std::this_thread::sleep_for(50ms); // holds its thread, as a model would
    --running;
    auto out = json::array();
    for (auto& x : xs)
      out.push_back(json{{"x", x}, {"batch", xs.size()}});
    return out;
  }, o);
  node n(app, quiet_options());
  std::vector<std::future<json>> calls;
  for (int i = 0; i < 16; ++i)
    calls.push_back(n.call_async("/b", i));
  std::size_t batched = 0;
  for (int i = 0; i < 16; ++i) {
    auto r = calls[static_cast<std::size_t>(i)].get();
    CAF_CHECK_EQUAL(r["x"], json(i));
    CAF_CHECK_LESS_OR_EQUAL(r["batch"].get<std::size_t>(), 4u);
    batched += r["batch"].get<std::size_t>() > 1 ? 1 : 0;
  }
  CAF_CHECK_EQUAL(most.load(), 2); // two batches at once, never more
  CAF_CHECK_GREATER(batched, 8u); // most calls shared a batch
}
