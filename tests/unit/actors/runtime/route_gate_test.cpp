#define CAF_SUITE route_gate
#define FAIL(msg) CAF_FAIL(msg)
#include <caf/test/dsl.hpp>

#include "actors/runtime/route_gate.hpp"

#include <stdexcept>

#include "actors/application.hpp"
#include "actors/cancel_token.hpp"
#include "actors/call_error.hpp"
#include "actors/error_type.hpp"
#include "actors/runtime/atoms.hpp"
#include "actors/runtime/local_only.hpp"
#include "actors/runtime/start_route.hpp"
#include "actors/runtime/worker_batch.hpp"
#include "tests/unit/test_routes.hpp"

using namespace actorserve;
using namespace std::chrono_literals;
using actorserve::testing::hold_route;
using actorserve::testing::send_collecting;

namespace {

/// A stateful route: its constructor reads the worker_context; its count
/// survives calls, including ones that throw.
class counter_route : public route_actor {
public:
  counter_route(caf::actor_config& cfg, const worker_context& ctx)
    : route_actor(cfg, ctx), count_(ctx.value.value("start", 0)) {
  }

protected:
  caf::result<reply> handle(const call& request) override {
    if (request.input == "throw")
      throw std::out_of_range("counter asked to throw at " + std::to_string(count_));
    ++count_;
    return json{{"count", count_}, {"worker_index", context().worker_index}};
  }

private:
  int count_;
};

/// An actor that is not a route_actor: an exception kills it.
class fragile_route : public caf::event_based_actor {
public:
  fragile_route(caf::actor_config& cfg, const worker_context&)
    : caf::event_based_actor(cfg) {
  }

  caf::behavior make_behavior() override {
    return {[](call_atom, const call& c) -> reply {
      if (c.input == "boom")
        throw std::runtime_error("boom");
      return json("fine");
    }};
  }
};

struct fixture : test_coordinator_fixture<> {
  application app;
  std::vector<reply> replies;

  fixture() {
    hold_route::reset();
  }

  ~fixture() {
    // The actor system waits for every actor still referenced.
    hold_route::instances().clear();
  }

  caf::actor start(const std::string& path, worker_context ctx = {}) {
    auto gate = start_route(sys, *app.find(path), ctx).gate;
    sched.run();
    return gate;
  }

  call make_call(const std::string& path, json input,
                 caf::timespan timeout = 10s) {
    return call{path, std::move(input), sched.clock().now() + timeout, 1, nullptr};
  }

  /// Sends a call answered through a callback, as code that is not an actor.
  void send(const caf::actor& gate, call c) {
    send_collecting(gate, std::move(c), replies);
  }

  reply call_once(const caf::actor& gate, call c) {
    replies.clear();
    send(gate, std::move(c));
    sched.run();
    CAF_REQUIRE_EQUAL(replies.size(), 1u);
    return replies.front();
  }

  void release_all() {
    hold_route::release_all();
    sched.run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(route_gate_tests, fixture)

CAF_TEST(a function route answers its value) {
  app.add_route("/double", [](const json& x) { return x.get<int>() * 2; });
  auto gate = start("/double");
  auto r = call_once(gate, make_call("/double", 21));
  CAF_REQUIRE(r.ok());
  CAF_CHECK_EQUAL(r.value(), json(42));
}

CAF_TEST(routes without an argument and routes reading the call) {
  app.add_route("/now", [] { return json("no argument"); });
  app.add_route("/path", [](const call& c) { return json(c.path + "!"); });
  CAF_CHECK_EQUAL(call_once(start("/now"), make_call("/now", nullptr)).value(),
                  json("no argument"));
  CAF_CHECK_EQUAL(call_once(start("/path"), make_call("/path", nullptr)).value(),
                  json("/path!"));
}

CAF_TEST(an actor answers a call made with request) {
  app.add_route("/echo", [](const json& x) { return x; });
  auto gate = start("/echo");
  self->send(gate, call_atom::value, make_call("/echo", "hi"));
  sched.run();
  self->receive([](reply& r) { CAF_CHECK_EQUAL(r.value(), json("hi")); },
                caf::after(0s) >> [] { CAF_FAIL("no reply"); });
}

CAF_TEST(the worker_context reaches a stateful route and its state lives) {
  app.add_route<counter_route>("/count");
  auto gate = start("/count", worker_context{3, json{{"start", 10}}});
  CAF_CHECK_EQUAL(call_once(gate, make_call("/count", nullptr)).value(),
                  (json{{"count", 11}, {"worker_index", 3}}));
  auto thrown = call_once(gate, make_call("/count", "throw"));
  CAF_CHECK(!thrown.ok());
  CAF_CHECK_EQUAL(thrown.error_type(), "out_of_range");
  CAF_CHECK_EQUAL(thrown.error_message(), "counter asked to throw at 11");
  // The exception did not cost the state.
  auto after = call_once(gate, make_call("/count", nullptr));
  CAF_CHECK_EQUAL(after.value()["count"], json(12));
}

CAF_TEST(thrown and deliberate errors keep their type and message) {
  app.add_route("/invalid", [](const json&) -> json {
    throw std::invalid_argument("x must be positive, got -1");
  });
  app.add_route("/typed", [](const json&) -> json {
    throw call_error("TypeError", "cannot double a list");
  });
  app.add_route("/deliberate", [](const json& x) {
    return reply::failure("ExampleError", x.get<std::string>());
  });
  auto r = call_once(start("/invalid"), make_call("/invalid", 1));
  CAF_CHECK_EQUAL(r.error_type(), "invalid_argument");
  CAF_CHECK_EQUAL(r.error_message(), "x must be positive, got -1");
  r = call_once(start("/typed"), make_call("/typed", 1));
  CAF_CHECK_EQUAL(r.error_type(), "TypeError");
  CAF_CHECK_EQUAL(r.error_message(), "cannot double a list");
  r = call_once(start("/deliberate"), make_call("/deliberate", "on purpose"));
  CAF_CHECK_EQUAL(r.error_type(), "ExampleError");
  CAF_CHECK_EQUAL(r.error_message(), "on purpose");
}

CAF_TEST(a reply that misses the deadline is a Timeout at the deadline) {
  app.add_route<hold_route>("/hold");
  auto gate = start("/hold");
  auto c = make_call("/hold", 1, 1s);
  auto deadline = c.deadline;
  send(gate, c);
  sched.run();
  CAF_CHECK(replies.empty());
  CAF_REQUIRE(sched.trigger_timeout());
  sched.run();
  CAF_CHECK_EQUAL(sched.clock().now(), deadline);
  CAF_REQUIRE_EQUAL(replies.size(), 1u);
  CAF_CHECK_EQUAL(replies[0].error_type(), error_type::timeout);
  CAF_CHECK_EQUAL(replies[0].error_message(), "route /hold did not answer within 1000 ms");
  // The late answer is dropped: the caller hears nothing more.
  release_all();
  CAF_CHECK_EQUAL(replies.size(), 1u);
}

CAF_TEST(a call that arrives after its deadline is a Timeout at once) {
  app.add_route<hold_route>("/hold");
  auto gate = start("/hold");
  auto r = call_once(gate, make_call("/hold", 1, -1ms));
  CAF_CHECK_EQUAL(r.error_type(), error_type::timeout);
  CAF_CHECK_EQUAL(hold_route::held()[0], 0);
}

CAF_TEST(a call beyond capacity is BacklogFull at once) {
  route_options options;
  options.capacity = 2;
  app.add_route<hold_route>("/hold", options);
  auto gate = start("/hold");
  send(gate, make_call("/hold", 1));
  send(gate, make_call("/hold", 2));
  send(gate, make_call("/hold", 3));
  sched.run();
  CAF_REQUIRE_EQUAL(replies.size(), 1u);
  CAF_CHECK_EQUAL(replies[0].error_type(), error_type::backlog_full);
  CAF_CHECK_EQUAL(replies[0].error_message(),
                  "route /hold is at capacity: 2 calls in flight (capacity 2); try again later");
  release_all();
  CAF_CHECK_EQUAL(replies.size(), 3u);
  // Capacity is back once the route answered.
  send(gate, make_call("/hold", 4));
  sched.run();
  release_all();
  CAF_CHECK_EQUAL(replies.back().value()["input"], json(4));
}

CAF_TEST(a timed-out call holds its capacity until the route answers) {
  route_options options;
  options.capacity = 1;
  app.add_route<hold_route>("/hold", options);
  auto gate = start("/hold");
  send(gate, make_call("/hold", 1, 1s));
  sched.run();
  sched.trigger_timeout();
  sched.run();
  auto refused = call_once(gate, make_call("/hold", 2)); // kept: the check holds a reference
  CAF_CHECK_EQUAL(refused.error_type(), error_type::backlog_full);
  release_all();
  send(gate, make_call("/hold", 3));
  sched.run();
  release_all();
  CAF_CHECK_EQUAL(replies.back().value()["input"], json(3));
}

CAF_TEST(the calls in flight are listed oldest first with their ages and deadlines) {
  route_options options;
  options.capacity = 3;
  app.add_route<hold_route>("/hold", options);
  auto gate = start("/hold");
  auto first = make_call("/hold", 1, 10s);
  first.request_id = "order-1";
  first.parent = 5;
  first.depth = 2;
  send(gate, std::move(first));
  sched.run();
  sched.clock().current_time += 3s;
  send(gate, make_call("/hold", 2, 10s));
  sched.run();
  sched.clock().current_time += 1s;
  self->send(gate, debug_calls_atom::value, local_only{});
  sched.run();
  json seen;
  self->receive([&](reply& r) { seen = r.value(); },
                caf::after(0s) >> [] { CAF_FAIL("no answer"); });
  CAF_CHECK_EQUAL(seen["route"], "/hold");
  CAF_CHECK_EQUAL(seen["capacity"], 3);
  CAF_CHECK_EQUAL(seen["in_flight"], 2);
  CAF_CHECK_EQUAL(seen["waiting"], 0);
  CAF_CHECK_EQUAL(seen["oldest_age_seconds"], 4.0);
  CAF_CHECK_EQUAL(seen["calls_not_listed"], 0);
  CAF_REQUIRE_EQUAL(seen["calls"].size(), 2u);
  auto& oldest = seen["calls"][0];
  CAF_CHECK_EQUAL(oldest["request_id"], "order-1");
  CAF_CHECK_EQUAL(oldest["parent"], 5);
  CAF_CHECK_EQUAL(oldest["depth"], 2);
  CAF_CHECK_EQUAL(oldest["state"], "running");
  CAF_CHECK_EQUAL(oldest["age_seconds"], 4.0);
  CAF_CHECK_EQUAL(oldest["deadline_in_seconds"], 6.0);
  CAF_CHECK_EQUAL(seen["calls"][1]["age_seconds"], 1.0);
  release_all();
  self->send(gate, debug_calls_atom::value, local_only{});
  sched.run();
  self->receive([&](reply& r) { seen = r.value(); },
                caf::after(0s) >> [] { CAF_FAIL("no answer"); });
  CAF_CHECK_EQUAL(seen["in_flight"], 0);
  CAF_CHECK(seen["calls"].empty());
  CAF_CHECK(seen["oldest_age_seconds"].is_null());
}

CAF_TEST(the calls listed stop at max_calls_listed and the rest are counted) {
  constexpr auto limit = route_gate::max_calls_listed;
  route_options options;
  options.capacity = limit + 1;
  app.add_route<hold_route>("/hold", options);
  auto gate = start("/hold");
  auto listed = [&] {
    self->send(gate, debug_calls_atom::value, local_only{});
    sched.run();
    json seen;
    self->receive([&](reply& r) { seen = r.value(); },
                  caf::after(0s) >> [] { CAF_FAIL("no answer"); });
    return seen;
  };
  for (std::size_t i = 0; i < limit; ++i)
    send(gate, make_call("/hold", static_cast<int>(i)));
  sched.run();
  auto at = listed(); // at the limit: every call listed
  CAF_CHECK_EQUAL(at["calls"].size(), limit);
  CAF_CHECK_EQUAL(at["calls_not_listed"], 0);
  send(gate, make_call("/hold", -1));
  sched.run();
  auto past = listed(); // one past it: the newest is counted, not listed
  CAF_CHECK_EQUAL(past["in_flight"], limit + 1);
  CAF_CHECK_EQUAL(past["calls"].size(), limit);
  CAF_CHECK_EQUAL(past["calls_not_listed"], 1);
  release_all();
}

CAF_TEST(calls go to the instance with the fewest outstanding) {
  route_options options;
  options.concurrency = 3;
  app.add_route<hold_route>("/hold", options);
  auto gate = start("/hold");
  for (int i = 0; i < 6; ++i)
    send(gate, make_call("/hold", i));
  sched.run();
  CAF_CHECK_EQUAL(hold_route::held()[0], 2);
  CAF_CHECK_EQUAL(hold_route::held()[1], 2);
  CAF_CHECK_EQUAL(hold_route::held()[2], 2);
  release_all();
  CAF_CHECK_EQUAL(replies.size(), 6u);
}

CAF_TEST(an instance that dies is replaced and its call answered) {
  app.add_route<fragile_route>("/fragile");
  auto gate = start("/fragile");
  auto r = call_once(gate, make_call("/fragile", "boom"));
  CAF_CHECK_EQUAL(r.error_type(), error_type::route_failed);
  CAF_CHECK(r.error_message().find("route /fragile") != std::string::npos);
  CAF_CHECK_EQUAL(call_once(gate, make_call("/fragile", "ok")).value(), json("fine"));
}

CAF_TEST(shutdown answers admitted calls and refuses new ones) {
  app.add_route<hold_route>("/hold");
  auto gate = start("/hold");
  send(gate, make_call("/hold", "admitted"));
  sched.run();
  self->send(gate, shutdown_atom::value, local_only{});
  sched.run();
  auto refused = call_once(gate, make_call("/hold", "late"));
  CAF_CHECK_EQUAL(refused.error_type(), error_type::shutting_down);
  // Not drained yet: the admitted call is still running.
  CAF_CHECK(self->mailbox().empty());
  replies.clear();
  release_all();
  CAF_REQUIRE_EQUAL(replies.size(), 1u);
  CAF_CHECK_EQUAL(replies[0].value()["input"], json("admitted"));
  self->receive([](drained_atom, local_only) {},
                caf::after(0s) >> [] { CAF_FAIL("the gate did not report drained"); });
}

CAF_TEST(while draining the calls of admitted calls are still taken) {
  app.add_route("/double", [](const json& x) { return x.get<int>() * 2; });
  auto gate = start("/double");
  self->send(gate, shutdown_atom::value, local_only{});
  sched.run();
  auto top = call_once(gate, make_call("/double", 1));
  CAF_CHECK_EQUAL(top.error_type(), error_type::shutting_down);
  auto child = make_call("/double", 2);
  child.depth = 1; // a composition's member, a route's call to a route
  auto r = call_once(gate, std::move(child));
  CAF_REQUIRE(r.ok());
  CAF_CHECK_EQUAL(r.value(), json(4));
}

CAF_TEST(stop answers what is left with ShuttingDown) {
  app.add_route<hold_route>("/hold");
  auto gate = start("/hold");
  send(gate, make_call("/hold", 1));
  sched.run();
  self->send(gate, stop_atom::value, local_only{});
  sched.run();
  CAF_REQUIRE_EQUAL(replies.size(), 1u);
  CAF_CHECK_EQUAL(replies[0].error_type(), error_type::shutting_down);
  // A call sent to the stopped gate is not lost: its callback still runs.
  send(gate, make_call("/hold", 2));
  sched.run();
  CAF_REQUIRE_EQUAL(replies.size(), 2u);
  CAF_CHECK_EQUAL(replies[1].error_type(), error_type::shutting_down);
}

CAF_TEST(a callback that throws does not stop the gate) {
  app.add_route("/echo", [](const json& x) { return x; });
  auto gate = start("/echo");
  caf::anon_send(gate, call_atom::value, make_call("/echo", 1),
                 reply_callback{[](reply) { throw std::runtime_error("caller bug"); }});
  sched.run();
  CAF_CHECK_EQUAL(call_once(gate, make_call("/echo", 2)).value(), json(2));
}

CAF_TEST_FIXTURE_SCOPE_END()

// The main node's gate of a route served by worker processes: its
// instances are the workers' own gates, added and removed by the worker
// supervisor.
namespace {

struct remote_fixture : test_coordinator_fixture<> {
  application app;
  std::vector<reply> replies;

  remote_fixture() {
    hold_route::reset();
    app.add_route<hold_route>("/hold");
  }

  ~remote_fixture() {
    hold_route::instances().clear();
  }

  /// The gate a worker would run for /hold.
  caf::actor worker_gate(int index) {
    auto gate = start_route(sys, *app.find("/hold"), worker_context{index, nullptr}).gate;
    sched.run();
    return gate;
  }

  /// The main node's gate, with `capacity` per worker.
  caf::actor main_gate(std::size_t capacity = 256) {
    route_options options;
    options.capacity = capacity;
    gate_settings settings;
    settings.path = "/hold";
    settings.options = options;
    settings.remote = true;
    auto gate = sys.spawn<route_gate>(std::move(settings));
    sched.run();
    return gate;
  }

  void add(const caf::actor& main, int worker, const caf::actor& gate) {
    // As the worker supervisor does: from an actor of this node.
    self->send(main, add_instance_atom::value, static_cast<std::int32_t>(worker), gate,
               local_only{});
    sched.run();
  }

  void send(const caf::actor& gate, json input) {
    send_collecting(gate, call{"/hold", std::move(input), sched.clock().now() + 10s, 1, nullptr},
                    replies);
    sched.run();
  }

  void release_all() {
    hold_route::release_all();
    sched.run();
  }

  /// Has a worker gate stand-in answer every call it got (a test leaves no
  /// call in flight: the fixture's end runs the clock, and a deadline
  /// answered then would reach `replies` after it is gone).
  template <class Log>
  void answer_all(const caf::actor& worker, const caf::actor& main, const Log& log) {
    caf::anon_send(worker, std::string{"answer"}, main, log->tickets);
    sched.run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(worker_gate_tests, remote_fixture)

CAF_TEST(calls wait for a worker and go to the first that joins) {
  auto main = main_gate();
  send(main, 1);
  CAF_CHECK_EQUAL(replies.size(), 0u);
  add(main, 0, worker_gate(0));
  release_all();
  CAF_REQUIRE_EQUAL(replies.size(), 1u);
  CAF_CHECK_EQUAL(replies[0].value()["input"], json(1));
}

CAF_TEST(calls spread over the workers) {
  auto main = main_gate();
  add(main, 0, worker_gate(0));
  add(main, 1, worker_gate(1));
  for (int i = 0; i < 4; ++i)
    send(main, i);
  CAF_CHECK_EQUAL(hold_route::held()[0], 2);
  CAF_CHECK_EQUAL(hold_route::held()[1], 2);
  release_all();
  CAF_CHECK_EQUAL(replies.size(), 4u);
}

CAF_TEST(a lost worker fails its calls at once with WorkerLost and the others go on) {
  auto main = main_gate();
  add(main, 0, worker_gate(0));
  add(main, 1, worker_gate(1));
  send(main, "a");
  send(main, "b");
  self->send(main, lost_worker_atom::value, std::int32_t{0},
             std::string{"worker 0 did not answer heartbeats"}, local_only{});
  sched.run();
  CAF_REQUIRE_EQUAL(replies.size(), 1u);
  CAF_CHECK_EQUAL(replies[0].error_type(), error_type::worker_lost);
  CAF_CHECK(replies[0].error_message().find("did not answer heartbeats") != std::string::npos);
  // New calls go to the worker that is left.
  send(main, "c");
  CAF_CHECK_EQUAL(hold_route::held()[1], 2);
  release_all();
  CAF_CHECK_EQUAL(replies.size(), 3u);
  CAF_CHECK(replies[1].ok());
  CAF_CHECK(replies[2].ok());
}

CAF_TEST(a worker gate that goes away fails its calls with WorkerLost and is not respawned) {
  auto main = main_gate();
  auto worker = worker_gate(0);
  add(main, 0, worker);
  send(main, "a");
  caf::anon_send_exit(worker, caf::exit_reason::kill);
  sched.run();
  CAF_REQUIRE_EQUAL(replies.size(), 1u);
  CAF_CHECK_EQUAL(replies[0].error_type(), error_type::worker_lost);
  // No worker left: the next call waits for one.
  send(main, "b");
  CAF_CHECK_EQUAL(replies.size(), 1u);
  add(main, 0, worker_gate(0));
  release_all();
  CAF_CHECK_EQUAL(replies.size(), 2u);
  CAF_CHECK(replies[1].ok());
}

CAF_TEST(capacity counts per worker) {
  auto main = main_gate(2);
  add(main, 0, worker_gate(0));
  add(main, 1, worker_gate(1));
  for (int i = 0; i < 5; ++i)
    send(main, i);
  CAF_REQUIRE_EQUAL(replies.size(), 1u);
  CAF_CHECK_EQUAL(replies[0].error_type(), error_type::backlog_full);
  CAF_CHECK(replies[0].error_message().find("capacity 4") != std::string::npos);
  release_all();
  CAF_CHECK_EQUAL(replies.size(), 5u);
}

CAF_TEST(a retired worker takes no new calls but answers those it has) {
  auto main = main_gate();
  add(main, 0, worker_gate(0));
  add(main, 1, worker_gate(1));
  send(main, "a");
  send(main, "b");
  self->send(main, retire_worker_atom::value, std::int32_t{0}, local_only{});
  sched.run();
  send(main, "c");
  send(main, "d");
  CAF_CHECK_EQUAL(hold_route::held()[0], 1);
  CAF_CHECK_EQUAL(hold_route::held()[1], 3);
  release_all();
  CAF_REQUIRE_EQUAL(replies.size(), 4u);
  for (auto& r : replies)
    CAF_CHECK(r.ok());
}

CAF_TEST(stopping the main gate leaves the workers gates running) {
  auto main = main_gate();
  auto worker = worker_gate(0);
  add(main, 0, worker);
  self->send(main, stop_atom::value, local_only{});
  sched.run();
  // The worker's gate still serves (it stops with its worker).
  send(worker, 7);
  release_all();
  CAF_REQUIRE_EQUAL(replies.size(), 1u);
  CAF_CHECK(replies[0].ok());
}

CAF_TEST(a retired worker that dies fails its calls at once) {
  auto main = main_gate();
  auto worker = worker_gate(0);
  add(main, 0, worker);
  add(main, 1, worker_gate(1));
  send(main, "a");
  send(main, "b");
  self->send(main, retire_worker_atom::value, std::int32_t{0}, local_only{});
  sched.run();
  caf::anon_send_exit(worker, caf::exit_reason::kill);
  sched.run();
  CAF_REQUIRE_EQUAL(replies.size(), 1u);
  CAF_CHECK_EQUAL(replies[0].error_type(), error_type::worker_lost);
  release_all();
  CAF_CHECK_EQUAL(replies.size(), 2u);
}

CAF_TEST(control messages without a sender of this node are ignored) {
  auto main = main_gate();
  add(main, 0, worker_gate(0));
  caf::anon_send(main, stop_atom::value);
  caf::anon_send(main, lost_worker_atom::value, std::int32_t{0}, std::string{"forged"});
  caf::anon_send(main, add_instance_atom::value, std::int32_t{5}, worker_gate(5));
  // What a message whose source node a peer forged looks like once CAF has
  // resolved it: sent by an actor of this process, without the mark.
  self->send(main, stop_atom::value);
  self->send(main, lost_worker_atom::value, std::int32_t{0}, std::string{"forged"});
  self->send(main, add_instance_atom::value, std::int32_t{6}, worker_gate(6));
  sched.run();
  send(main, "still served");
  CAF_CHECK_EQUAL(hold_route::held()[0], 1);
  CAF_CHECK_EQUAL(hold_route::held().count(1), 0u); // the forged instance got nothing
  release_all();
  CAF_REQUIRE_EQUAL(replies.size(), 1u);
  CAF_CHECK(replies[0].ok());
}

namespace {

/// What a stand-in for a worker's gate received.
struct worker_log {
  std::vector<std::size_t> batches; // sizes of the call batches, in order
  std::vector<std::uint64_t> tickets;
  std::vector<json> inputs;
  std::vector<std::uint64_t> cancels;
  batch_key key; // the key of the last batch
};

/// A worker's gate stand-in: records the batches it gets, and on
/// `(std::string "answer", supervisor gate, tickets)` answers those tickets
/// in one batch under its key, echoing "ok".
caf::behavior fake_worker_gate(caf::event_based_actor* self, std::shared_ptr<worker_log> log) {
  return {
    [log](call_batch_atom, call_batch& batch) {
      log->key = batch.key;
      log->batches.push_back(batch.items.size());
      for (auto& c : batch.items) {
        log->tickets.push_back(c.ticket);
        log->inputs.push_back(c.request.input);
      }
    },
    [log](cancel_atom, std::uint64_t ticket) { log->cancels.push_back(ticket); },
    [self, log](const std::string&, const caf::actor& to, const std::vector<std::uint64_t>& tickets) {
      reply_batch out;
      out.key = log->key;
      for (auto t : tickets)
        out.items.push_back(worker_reply{t, reply{json("ok")}});
      self->send(to, reply_batch_atom::value, std::move(out));
    },
  };
}

/// A supervisor's gate stand-in: sends `calls` to `worker` in one batch
/// under `key`, and keeps the reply batches it gets.
caf::behavior fake_supervisor_gate(caf::event_based_actor* self, caf::actor worker, batch_key key,
                                   std::vector<json> inputs, std::string path,
                                   std::shared_ptr<std::vector<reply_batch>> got) {
  call_batch batch;
  batch.key = key;
  std::uint64_t ticket = 100;
  for (auto& input : inputs)
    batch.items.push_back(
      worker_call{++ticket, call{path, std::move(input), self->clock().now() + 10s, 1, nullptr}});
  self->send(worker, call_batch_atom::value, std::move(batch));
  return {[got](reply_batch_atom, reply_batch& r) { got->push_back(std::move(r)); }};
}

} // namespace

CAF_TEST(calls that arrive together go to a worker in one message and its one reply answers them) {
  auto main = main_gate();
  auto log = std::make_shared<worker_log>();
  auto worker = sys.spawn(fake_worker_gate, log);
  add(main, 0, worker);
  for (int i = 0; i < 5; ++i) // queued before the gate runs
    send_collecting(main, call{"/hold", i, sched.clock().now() + 10s, 1, nullptr}, replies);
  sched.run();
  CAF_CHECK_EQUAL(log->batches, (std::vector<std::size_t>{5}));
  CAF_REQUIRE_EQUAL(log->inputs.size(), 5u);
  for (int i = 0; i < 5; ++i)
    CAF_CHECK_EQUAL(log->inputs[static_cast<std::size_t>(i)], json(i));
  CAF_CHECK_EQUAL(replies.size(), 0u);
  caf::anon_send(worker, std::string{"answer"}, main, log->tickets);
  sched.run();
  CAF_REQUIRE_EQUAL(replies.size(), 5u);
  for (auto& r : replies)
    CAF_CHECK_EQUAL(r.value(), json("ok"));
  // A call alone goes alone.
  send(main, "alone");
  CAF_CHECK_EQUAL(log->batches, (std::vector<std::size_t>{5, 1}));
  answer_all(worker, main, log); // none left for the deadline sweep at the end
}

CAF_TEST(no batch holds more than max_calls_per_message calls) {
  auto main = main_gate(1000);
  auto log = std::make_shared<worker_log>();
  auto worker = sys.spawn(fake_worker_gate, log);
  add(main, 0, worker);
  auto n = max_calls_per_message * 2 + 1;
  for (std::size_t i = 0; i < n; ++i)
    send_collecting(main, call{"/hold", i, sched.clock().now() + 10s, 1, nullptr}, replies);
  sched.run();
  CAF_CHECK_EQUAL(log->batches, (std::vector<std::size_t>{max_calls_per_message,
                                                          max_calls_per_message, 1}));
  answer_all(worker, main, log);
  CAF_CHECK_EQUAL(replies.size(), n);
}

CAF_TEST(replies count only under the key of the worker a call went to and only once) {
  auto main = main_gate();
  auto log0 = std::make_shared<worker_log>();
  auto log1 = std::make_shared<worker_log>();
  auto worker0 = sys.spawn(fake_worker_gate, log0);
  auto worker1 = sys.spawn(fake_worker_gate, log1);
  add(main, 0, worker0);
  add(main, 1, worker1);
  send(main, "a");
  send(main, "b");
  CAF_REQUIRE_EQUAL(log0->tickets.size(), 1u);
  CAF_REQUIRE_EQUAL(log1->tickets.size(), 1u);
  // Each worker gate got a key of its own.
  CAF_CHECK(log0->key != log1->key);
  CAF_CHECK(log0->key != batch_key{});
  // Worker 1 answers worker 0's call under its own key; a sender that knows
  // no key answers both.
  caf::anon_send(worker1, std::string{"answer"}, main, log0->tickets);
  reply_batch forged;
  forged.items = {{log0->tickets[0], reply{json("forged")}},
                    {log1->tickets[0], reply{json("forged")}}};
  self->send(main, reply_batch_atom::value, forged);
  sched.run();
  CAF_CHECK_EQUAL(replies.size(), 0u);
  // Worker 0 answers its call twice in one batch: it is answered once.
  auto twice = std::vector<std::uint64_t>{log0->tickets[0], log0->tickets[0]};
  caf::anon_send(worker0, std::string{"answer"}, main, twice);
  sched.run();
  CAF_REQUIRE_EQUAL(replies.size(), 1u);
  CAF_CHECK_EQUAL(replies[0].value(), json("ok"));
  caf::anon_send(worker1, std::string{"answer"}, main, log1->tickets);
  sched.run();
  CAF_CHECK_EQUAL(replies.size(), 2u);
}

CAF_TEST(a cancelled call sent to a worker is cancelled there by its ticket) {
  auto main = main_gate();
  auto log = std::make_shared<worker_log>();
  auto worker = sys.spawn(fake_worker_gate, log);
  add(main, 0, worker);
  call c{"/hold", "slow", sched.clock().now() + 10s, 1, nullptr};
  auto token = std::make_shared<cancel_token>();
  c.cancel = token;
  send_collecting(main, std::move(c), replies);
  sched.run();
  CAF_REQUIRE_EQUAL(log->tickets.size(), 1u);
  token->cancel();
  sched.run();
  CAF_CHECK_EQUAL(log->cancels, log->tickets);
  answer_all(worker, main, log); // a running call keeps its place until it answers
}

CAF_TEST(a worker gate answers a batch of calls with one batch of replies under its key) {
  app.add_route("/twice", [](const json& x) { return x.get<int>() * 2; });
  auto worker = start_route(sys, *app.find("/twice"), worker_context{0, nullptr}).gate;
  sched.run();
  auto got = std::make_shared<std::vector<reply_batch>>();
  auto key = batch_key::random();
  sys.spawn(fake_supervisor_gate, worker, key, std::vector<json>{1, 2, 3}, "/twice", got);
  sched.run();
  CAF_REQUIRE_EQUAL(got->size(), 1u);
  auto& batch = got->front();
  CAF_CHECK(batch.key == key);
  CAF_REQUIRE_EQUAL(batch.items.size(), 3u);
  for (std::uint64_t i = 1; i <= 3; ++i) {
    CAF_CHECK_EQUAL(batch.items[i - 1].ticket, 100 + i);
    CAF_CHECK_EQUAL(batch.items[i - 1].answer.value(), json(2 * static_cast<int>(i)));
  }
}

CAF_TEST(a worker gate that stops answers the calls of its supervisor before it quits) {
  auto worker = worker_gate(0);
  auto got = std::make_shared<std::vector<reply_batch>>();
  sys.spawn(fake_supervisor_gate, worker, batch_key::random(), std::vector<json>{"a", "b"},
            "/hold", got);
  sched.run();
  CAF_CHECK_EQUAL(hold_route::held()[0], 2);
  CAF_CHECK(got->empty());
  self->send(worker, stop_atom::value, local_only{});
  sched.run();
  CAF_REQUIRE_EQUAL(got->size(), 1u);
  CAF_REQUIRE_EQUAL(got->front().items.size(), 2u);
  for (auto& r : got->front().items)
    CAF_CHECK_EQUAL(r.answer.error_type(), error_type::shutting_down);
}

CAF_TEST(a ticket already in flight is refused) {
  auto worker = worker_gate(0);
  auto got = std::make_shared<std::vector<reply_batch>>();
  // Spawned with its arguments: CAF 0.17 dereferences an empty argument
  // pack for a function actor that takes none.
  auto me = sys.spawn(
    [](caf::event_based_actor* self, caf::actor worker,
       std::shared_ptr<std::vector<reply_batch>> got) -> caf::behavior {
    call_batch batch;
    for (int i = 0; i < 2; ++i)
      batch.items.push_back(worker_call{7, call{"/hold", i, self->clock().now() + 10s, 1, nullptr}});
    self->send(worker, call_batch_atom::value, std::move(batch));
    return {[got](reply_batch_atom, reply_batch& r) { got->push_back(std::move(r)); }};
  }, worker, got);
  sched.run();
  CAF_CHECK_EQUAL(hold_route::held()[0], 1);
  CAF_REQUIRE_EQUAL(got->size(), 1u);
  CAF_REQUIRE_EQUAL(got->front().items.size(), 1u);
  CAF_CHECK_EQUAL(got->front().items[0].answer.error_type(), error_type::bad_request);
  release_all();
  CAF_CHECK_EQUAL(got->size(), 2u);
  (void) me;
}

CAF_TEST(a call damaged on its way is refused with BadRequest) {
  auto worker = worker_gate(0);
  send(worker, json(json::value_t::discarded));
  CAF_REQUIRE_EQUAL(replies.size(), 1u);
  CAF_CHECK_EQUAL(replies[0].error_type(), error_type::bad_request);
  CAF_CHECK_EQUAL(hold_route::held().count(0), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()

// Dynamic batching: a batch route takes the list of its waiting calls'
// inputs and answers each with its place in the list it returns.

CAF_TEST_FIXTURE_SCOPE(batching_tests, fixture)

struct batch_log {
  std::vector<std::size_t> sizes; // of every batch that ran, in order
};

route_options batching(std::size_t size, caf::timespan wait, std::size_t capacity = 256) {
  route_options o;
  o.batch_size = size;
  o.batch_wait_time = std::chrono::duration_cast<std::chrono::milliseconds>(wait);
  o.capacity = capacity;
  return o;
}

CAF_TEST(a full batch runs at once and each call gets its own result) {
  auto log = std::make_shared<batch_log>();
  app.add_route("/b", [log](const json& xs) {
    log->sizes.push_back(xs.size());
    auto out = json::array();
    for (auto& x : xs)
      out.push_back(x.get<int>() * 10);
    return out;
  }, batching(4, 10ms));
  auto gate = start("/b");
  for (int i = 0; i < 8; ++i)
    send(gate, make_call("/b", i));
  sched.run();
  CAF_CHECK_EQUAL(log->sizes, (std::vector<std::size_t>{4, 4}));
  CAF_REQUIRE_EQUAL(replies.size(), 8u);
  for (int i = 0; i < 8; ++i)
    CAF_CHECK_EQUAL(replies[static_cast<std::size_t>(i)].value(), json(i * 10));
}

CAF_TEST(a batch that does not fill runs its wait time after its first call) {
  auto log = std::make_shared<batch_log>();
  app.add_route("/b", [log](const json& xs) {
    log->sizes.push_back(xs.size());
    return xs;
  }, batching(4, 10ms));
  auto gate = start("/b");
  send(gate, make_call("/b", 1));
  sched.run();
  advance_time(4ms);
  send(gate, make_call("/b", 2));
  send(gate, make_call("/b", 3));
  sched.run();
  CAF_CHECK(log->sizes.empty());
  CAF_CHECK_EQUAL(replies.size(), 0u);
  advance_time(5ms); // 9 ms after the first call: still waiting
  sched.run();
  CAF_CHECK(log->sizes.empty());
  advance_time(1ms);
  sched.run();
  CAF_CHECK_EQUAL(log->sizes, (std::vector<std::size_t>{3}));
  CAF_CHECK_EQUAL(replies.size(), 3u);
}

CAF_TEST(a batch result of the wrong length fails every call of the batch) {
  app.add_route("/short", [](const json& xs) {
    auto out = xs;
    out.erase(out.size() - 1);
    return out;
  }, batching(3, 10ms));
  auto gate = start("/short");
  for (int i = 0; i < 3; ++i)
    send(gate, make_call("/short", i));
  sched.run();
  CAF_REQUIRE_EQUAL(replies.size(), 3u);
  for (auto& r : replies) {
    CAF_CHECK_EQUAL(r.error_type(), error_type::route_failed);
    CAF_CHECK_EQUAL(r.error_message(),
                    "route /short returned 2 results for a batch of 3 calls; a batch route "
                    "returns a list of one result per input, in order");
  }
}

CAF_TEST(an exception fails the whole batch with its type) {
  app.add_route("/throws", [](const json&) -> json {
    throw call_error("ValueError", "item 2 is poison");
  }, batching(2, 10ms));
  auto gate = start("/throws");
  send(gate, make_call("/throws", 1));
  send(gate, make_call("/throws", 2));
  sched.run();
  CAF_REQUIRE_EQUAL(replies.size(), 2u);
  for (auto& r : replies) {
    CAF_CHECK_EQUAL(r.error_type(), "ValueError");
    CAF_CHECK_EQUAL(r.error_message(), "item 2 is poison");
  }
}

CAF_TEST(calls whose deadline passed are left out of the batch and free their place) {
  auto log = std::make_shared<batch_log>();
  app.add_route("/b", [log](const json& xs) {
    log->sizes.push_back(xs.size());
    return xs;
  }, batching(3, 10ms, 3));
  auto gate = start("/b");
  send(gate, make_call("/b", "early", 5ms));
  send(gate, make_call("/b", "patient", 10s));
  sched.run();
  advance_time(5ms); // the short call times out while it waits
  sched.run();
  CAF_REQUIRE_EQUAL(replies.size(), 1u);
  CAF_CHECK_EQUAL(replies[0].error_type(), error_type::timeout);
  CAF_CHECK_EQUAL(replies[0].error_message(), "route /b had no batch run within 5 ms");
  // Its place is free at once: with capacity 3, two more calls are
  // admitted, and fill the batch.
  send(gate, make_call("/b", "late", 10s));
  send(gate, make_call("/b", "late", 10s));
  sched.run();
  CAF_CHECK_EQUAL(log->sizes, (std::vector<std::size_t>{3}));
  CAF_REQUIRE_EQUAL(replies.size(), 4u);
  CAF_CHECK_EQUAL(replies[1].value(), json("patient"));
  CAF_CHECK_EQUAL(replies[3].value(), json("late"));
}

CAF_TEST(a batch of a stateful route waits for a free instance and gathers meanwhile) {
  // hold_route answers a batch (one call) with one object: the wrong shape,
  // so every call of it fails; what matters here is how batches form.
  route_options o = batching(2, 10ms);
  o.blocking = false;
  app.add_route<hold_route>("/hold", o);
  auto gate = start("/hold");
  for (int i = 0; i < 3; ++i)
    send(gate, make_call("/hold", i));
  sched.run();
  CAF_CHECK_EQUAL(hold_route::held()[0], 1); // one batch of 2 dispatched; 1 call waits
  release_all();
  CAF_REQUIRE_EQUAL(replies.size(), 2u);
  CAF_CHECK(replies[0].error_message().find("returned a object for a batch of 2 calls")
            != std::string::npos);
  // The call left over forms a batch of one once it has waited 10 ms.
  advance_time(10ms);
  sched.run();
  CAF_CHECK_EQUAL(hold_route::held()[0], 1);
  release_all();
  CAF_CHECK_EQUAL(replies.size(), 3u);
}

CAF_TEST_FIXTURE_SCOPE_END()
