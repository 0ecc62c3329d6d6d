#define CAF_SUITE composition_route
#define FAIL(msg) CAF_FAIL(msg)
#include <caf/test/dsl.hpp>

#include "actors/runtime/composition_route.hpp"

#include <memory>
#include <stdexcept>

#include "actors/application.hpp"
#include "actors/cancel_token.hpp"
#include "actors/call_error.hpp"
#include "actors/error_type.hpp"
#include "actors/route_call.hpp"
#include "actors/runtime/atoms.hpp"
#include "actors/runtime/local_only.hpp"
#include "actors/runtime/route_directory.hpp"
#include "actors/runtime/start_route.hpp"
#include "tests/unit/test_routes.hpp"

using namespace actorserve;
using namespace std::chrono_literals;
using actorserve::testing::hold_route;
using actorserve::testing::send_collecting;

namespace {

/// Adds /double of each input to a running total it keeps: the
/// continuation runs in the actor and may touch its state.
class total_route : public route_actor {
public:
  using route_actor::route_actor;

protected:
  caf::result<reply> handle(const call& request) override {
    auto promise = make_response_promise<reply>();
    call_route(request, "/double", request.input).then([this, promise](reply doubled) mutable {
      if (doubled.ok()) {
        total_ += doubled.value().get<int>();
        promise.deliver(reply{json(total_)});
      } else {
        promise.deliver(std::move(doubled));
      }
    });
    return promise;
  }

private:
  int total_ = 0;
};

using go_atom = caf::atom_constant<caf::atom("go")>;

/// Holds its call until told `go`, then calls /inc for it: a route whose
/// child call comes after its own caller may have given up.
class late_caller : public route_actor {
public:
  using route_actor::route_actor;

  /// The instance started last (the deterministic tests are one thread).
  static caf::actor& last() {
    static caf::actor instance;
    return instance;
  }

protected:
  caf::result<reply> handle(const call& request) override {
    held_.emplace_back(request, make_response_promise<reply>());
    return held_.back().second;
  }

  caf::message_handler extra_handlers() override {
    last() = caf::actor_cast<caf::actor>(this);
    return {[this](go_atom) {
      for (auto& [request, promise] : held_)
        call_route(request, "/inc", 1).then([promise = promise](reply r) mutable {
          promise.deliver(std::move(r));
        });
      held_.clear();
    }};
  }

  void on_exit() override {
    held_.clear();
  }

private:
  std::vector<std::pair<call, caf::response_promise>> held_;
};

struct fixture : test_coordinator_fixture<> {
  application app;
  std::shared_ptr<route_directory> directory;
  std::vector<caf::actor> gates;
  std::vector<reply> replies;
  std::map<std::string, int> calls; // how often each leaf route ran

  fixture() {
    hold_route::reset();
    auto count = [this](const std::string& path, auto fn) {
      return [this, path, fn](const json& x) {
        ++calls[path];
        return fn(x);
      };
    };
    app.add_route("/double", count("/double", [](const json& x) -> json {
      if (!x.is_number())
        throw call_error("TypeError", "cannot double " + x.dump());
      return x.get<int>() * 2;
    }));
    app.add_route("/inc", count("/inc", [](const json& x) -> json { return x.get<int>() + 1; }));
    app.add_route("/fail", count("/fail", [](const json& x) -> json {
      throw call_error("ExampleError", x.dump());
    }));
    app.add_route("/echo", count("/echo", [](const json& x) { return x; }));
    // What a route sees of the call it got: its lineage and its deadline.
    app.add_route("/peek", [](const call& c) {
      return json{{"parent", c.parent},
                  {"depth", c.depth},
                  {"deadline_ns", c.deadline.time_since_epoch().count()}};
    });
    app.add_route<hold_route>("/hold");
  }

  ~fixture() {
    for (auto& g : gates)
      caf::anon_send(g, stop_atom::value, local_only{});
    sched.run();
    hold_route::instances().clear();
  }

  /// Starts every route of `app`, as a node does: each gate in the table.
  void start_all(std::uint32_t max_call_depth = default_max_call_depth) {
    app.check_members();
    directory = std::make_shared<route_directory>(max_call_depth, &sched.clock());
    for (auto& spec : app.routes()) {
      auto gate = start_route(sys, spec, {}, {}, directory).gate;
      directory->add(spec.path, gate);
      gates.push_back(gate);
    }
    sched.run();
  }

  call make_call(const std::string& path, json input, caf::timespan timeout = 10s) {
    return call{path, std::move(input), sched.clock().now() + timeout, 77};
  }

  /// What the gate of `path` has counted: admitted, timed out waiting,
  /// dropped because the caller gave up.
  std::vector<std::uint64_t> counts(const std::string& path) {
    std::vector<std::uint64_t> out;
    self->send(directory->find(path), counts_atom::value, local_only{});
    sched.run();
    self->receive([&](std::uint64_t a, std::uint64_t t, std::uint64_t g,
                      std::uint64_t) { out = {a, t, g}; },
                  caf::after(0s) >> [] { CAF_FAIL("no counts"); });
    return out;
  }

  reply call_once(const std::string& path, json input, caf::timespan timeout = 10s) {
    replies.clear();
    send_collecting(directory->find(path), make_call(path, std::move(input), timeout), replies);
    sched.run();
    CAF_REQUIRE_EQUAL(replies.size(), 1u);
    return replies.front();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(composition_route_tests, fixture)

CAF_TEST(sequential feeds each output to the next member) {
  app.add_route("/chain", sequential({"/double", "/inc", "/double"}));
  start_all();
  auto r = call_once("/chain", 5);
  CAF_REQUIRE(r.ok());
  CAF_CHECK_EQUAL(r.value(), json(22));
}

CAF_TEST(the first error ends a sequential chain with that error) {
  app.add_route("/chain", sequential({"/double", "/fail", "/inc"}));
  start_all();
  auto r = call_once("/chain", 5);
  CAF_CHECK(!r.ok());
  CAF_CHECK_EQUAL(r.error_type(), "ExampleError");
  CAF_CHECK_EQUAL(r.error_message(), "10");
  CAF_CHECK_EQUAL(calls["/inc"], 0);
}

CAF_TEST(an ensemble answers its members outputs in member order) {
  app.add_route("/all", ensemble({"/double", "/inc", "/echo"}));
  start_all();
  auto r = call_once("/all", 4);
  CAF_REQUIRE(r.ok());
  CAF_CHECK_EQUAL(r.value(), (json{8, 5, 4}));
}

CAF_TEST(a fail fast ensemble answers EnsembleError at the first error) {
  app.add_route("/strict", ensemble({"/hold", "/fail", "/echo"}, true));
  start_all();
  replies.clear();
  send_collecting(directory->find("/strict"), make_call("/strict", 3), replies);
  sched.run();
  // /hold has not answered, and need not: the error answers the call.
  CAF_REQUIRE_EQUAL(replies.size(), 1u);
  CAF_CHECK_EQUAL(replies[0].error_type(), "EnsembleError");
  auto& message = replies[0].error_message();
  CAF_CHECK(message.find("ensemble members finished, with 1 error; first error: ExampleError: 3")
            != std::string::npos);
  CAF_CHECK(message.find("/3 ") != std::string::npos);
  hold_route::release_all();
  sched.run();
  CAF_CHECK_EQUAL(replies.size(), 1u); // the late result is ignored
}

CAF_TEST(a lenient ensemble puts errors in the failed members places) {
  app.add_route("/lenient", ensemble({"/double", "/fail"}, false));
  start_all();
  auto r = call_once("/lenient", 3);
  CAF_REQUIRE(r.ok());
  CAF_CHECK_EQUAL(r.value(),
                  (json{6, {{"error", {{"type", "ExampleError"}, {"message", "3"}}}}}));
}

CAF_TEST(a lenient ensemble whose members all fail answers EnsembleError) {
  app.add_route("/lenient", ensemble({"/double", "/fail"}, false));
  start_all();
  auto r = call_once("/lenient", "x");
  CAF_CHECK_EQUAL(r.error_type(), "EnsembleError");
  CAF_CHECK_EQUAL(r.error_message(), "2/2 ensemble members finished, with 2 errors; "
                                     "first error: TypeError: cannot double \"x\"");
}

CAF_TEST(a switch sends the call to the member its selector picks) {
  app.add_route("/by_type", switch_route(
                              [](const json& x) -> json {
                                if (x.is_number())
                                  return 0; // by index
                                if (x.is_string())
                                  return "/echo"; // by path
                                throw call_error("TypeError", "neither");
                              },
                              {"/double", "/echo"}));
  start_all();
  CAF_CHECK_EQUAL(call_once("/by_type", 4).value(), json(8));
  CAF_CHECK_EQUAL(call_once("/by_type", "s").value(), json("s"));
  auto thrown = call_once("/by_type", nullptr);
  CAF_CHECK_EQUAL(thrown.error_type(), "TypeError");
  CAF_CHECK_EQUAL(thrown.error_message(), "neither");
  // The route lives on after its selector threw.
  CAF_CHECK_EQUAL(call_once("/by_type", 5).value(), json(10));
}

CAF_TEST(a switch whose selector picks no member answers SwitchError) {
  app.add_route("/pick", switch_route([](const json& x) { return x; }, {"/double", "/echo"}));
  start_all();
  for (auto pick : {json(2), json(-1), json("/inc")}) {
    auto r = call_once("/pick", pick);
    CAF_CHECK_EQUAL(r.error_type(), "SwitchError");
  }
  CAF_CHECK_EQUAL(call_once("/pick", 1).value(), json(1)); // member 1: /echo
}

CAF_TEST(compositions nest) {
  // (x * 2 + 1, x) → [2x + 1, x]; then each doubled by a nested switch.
  app.add_route("/nested", sequential({ensemble({sequential({"/double", "/inc"}), "/echo"}),
                                       switch_route([](const json&) { return 0; }, {"/echo"})}));
  start_all();
  auto r = call_once("/nested", 3);
  CAF_REQUIRE(r.ok());
  CAF_CHECK_EQUAL(r.value(), (json{7, 3}));
}

CAF_TEST(a member call inherits the deadline and names its parent) {
  app.add_route("/seq", sequential({"/peek"}));
  start_all();
  auto timeout = 3s;
  auto deadline = sched.clock().now() + timeout;
  auto r = call_once("/seq", nullptr, timeout);
  CAF_REQUIRE(r.ok());
  CAF_CHECK_EQUAL(r.value()["parent"], json(77));
  CAF_CHECK_EQUAL(r.value()["depth"], json(1));
  CAF_CHECK_EQUAL(r.value()["deadline_ns"], json(deadline.time_since_epoch().count()));
}

CAF_TEST(a route call never gets more time than its caller has) {
  app.add_route("/shorter", [](const call& c) { return call_route(c, "/peek", nullptr, 1s); });
  app.add_route("/longer", [](const call& c) { return call_route(c, "/peek", nullptr, 1h); });
  start_all();
  auto now = sched.clock().now();
  auto shorter = call_once("/shorter", nullptr, 10s);
  CAF_CHECK_EQUAL(shorter.value()["deadline_ns"], json((now + 1s).time_since_epoch().count()));
  auto longer = call_once("/longer", nullptr, 10s);
  CAF_CHECK_EQUAL(longer.value()["deadline_ns"], json((now + 10s).time_since_epoch().count()));
}

CAF_TEST(a function route chains route calls with then) {
  app.add_route("/plus_one_twice", [](const call& c) {
    return call_route(c, "/inc", c.input).then([c](const json& once) {
      return call_route(c, "/inc", once);
    });
  });
  app.add_route("/then_fails", [](const call& c) {
    // A value-only continuation is skipped for an error, which passes on.
    return call_route(c, "/fail", c.input).then([](const json&) { return json("unreached"); });
  });
  start_all();
  CAF_CHECK_EQUAL(call_once("/plus_one_twice", 1).value(), json(3));
  auto failed = call_once("/then_fails", 5);
  CAF_CHECK_EQUAL(failed.error_type(), "ExampleError");
  CAF_CHECK_EQUAL(failed.error_message(), "5");
}

CAF_TEST(a stateful route calls routes and chains on the replies) {
  app.add_route<total_route>("/total");
  start_all();
  CAF_CHECK_EQUAL(call_once("/total", 5).value(), json(10));
  CAF_CHECK_EQUAL(call_once("/total", 1).value(), json(12));
  auto bad = call_once("/total", "x");
  CAF_CHECK_EQUAL(bad.error_type(), "TypeError");
  CAF_CHECK_EQUAL(call_once("/total", 0).value(), json(12)); // its state lives on
}

CAF_TEST(calling a route the service does not have answers NotFound) {
  app.add_route("/lost", [](const call& c) { return call_route(c, "/nowhere", 1); });
  start_all();
  auto r = call_once("/lost", nullptr);
  CAF_CHECK_EQUAL(r.error_type(), "NotFound");
  CAF_CHECK(r.error_message().find("/nowhere") != std::string::npos);
}

CAF_TEST(a route calling itself stops at the depth limit) {
  app.add_route("/loop", [](const call& c) { return call_route(c, "/loop", c.input); });
  start_all(32);
  auto r = call_once("/loop", 1);
  CAF_CHECK_EQUAL(r.error_type(), "CallDepthExceeded");
  CAF_CHECK(r.error_message().find("33 route calls deep, past the limit of 32")
            != std::string::npos);
}

CAF_TEST(a chain exactly at the depth limit runs) {
  // /down n calls /down n - 1 until 0: n + 1 calls, the last n levels deep.
  app.add_route("/down", [](const call& c) -> reply {
    auto n = c.input.get<int>();
    if (n == 0)
      return json(c.depth);
    return call_route(c, "/down", n - 1);
  });
  start_all(4);
  auto at_limit = call_once("/down", 4);
  CAF_CHECK_EQUAL(at_limit.value(), json(4));
  auto past_limit = call_once("/down", 5);
  CAF_CHECK_EQUAL(past_limit.error_type(), "CallDepthExceeded");
}

CAF_TEST(a sequential chain past its deadline starts no further member) {
  app.add_route("/slow_then_inc", sequential({"/hold", "/inc"}));
  start_all();
  replies.clear();
  send_collecting(directory->find("/slow_then_inc"), make_call("/slow_then_inc", 1, 1s), replies);
  sched.run();
  sched.trigger_timeouts(); // the deadline passes while /hold holds the call
  sched.run();
  CAF_REQUIRE_EQUAL(replies.size(), 1u);
  CAF_CHECK_EQUAL(replies[0].error_type(), "Timeout");
  hold_route::release_all();
  sched.run();
  CAF_CHECK_EQUAL(calls["/inc"], 0);
}

CAF_TEST(several continuations may wait for the same reply) {
  app.add_route("/fan", [](const call& c) {
    auto once = call_route(c, "/inc", c.input);
    auto answer = once.then([](const json& v) { return json{{"first", v}}; });
    once.then([](const json& v) { return v; }); // a second, later continuation
    return answer;
  });
  start_all();
  CAF_CHECK_EQUAL(call_once("/fan", 1).value(), (json{{"first", 2}}));
}

CAF_TEST(a batch route calling itself stops at the depth limit) {
  route_options batches;
  batches.batch_size = 1;
  app.add_route("/bloop", [](const call& c) {
    return call_route(c, "/bloop", c.input[0]).then([](const json& v) { return json::array({v}); });
  }, batches);
  start_all(4);
  auto r = call_once("/bloop", 1);
  CAF_CHECK_EQUAL(r.error_type(), "CallDepthExceeded");
}

CAF_TEST(a member waiting to run is dropped when the caller gives up) {
  route_options batches;
  batches.batch_size = 4;
  batches.batch_wait_time = 1000ms; // the member waits for its batch
  app.add_route("/gather", [](const json& xs) { return xs; }, batches);
  app.add_route("/via", sequential({"/gather"}));
  start_all();
  auto token = std::make_shared<cancel_token>();
  auto c = make_call("/via", 1);
  c.cancel = token;
  replies.clear();
  send_collecting(directory->find("/via"), std::move(c), replies);
  sched.run();
  CAF_CHECK_EQUAL(replies.size(), 0u);
  token->cancel(); // the client left
  sched.run();
  CAF_REQUIRE_EQUAL(replies.size(), 1u);
  CAF_CHECK_EQUAL(replies[0].error_type(), "Cancelled");
  // Dropped at once, not at its batch time: its place is free.
  CAF_CHECK_EQUAL(counts("/gather"), (std::vector<std::uint64_t>{1, 0, 1}));
}

CAF_TEST(a call whose caller gave up before it arrived never runs) {
  start_all();
  auto token = std::make_shared<cancel_token>();
  token->cancel();
  auto c = make_call("/inc", 1);
  c.cancel = token;
  replies.clear();
  send_collecting(directory->find("/inc"), std::move(c), replies);
  sched.run();
  CAF_REQUIRE_EQUAL(replies.size(), 1u);
  CAF_CHECK_EQUAL(replies[0].error_type(), "Cancelled");
  CAF_CHECK_EQUAL(calls["/inc"], 0);
  CAF_CHECK_EQUAL(counts("/inc"), (std::vector<std::uint64_t>{0, 0, 1}));
}

CAF_TEST(a parent that timed out starts no further children) {
  app.add_route<late_caller>("/late");
  start_all();
  replies.clear();
  send_collecting(directory->find("/late"), make_call("/late", nullptr, 1s), replies);
  sched.run();
  sched.trigger_timeouts(); // its deadline passes while it holds the call
  sched.run();
  CAF_REQUIRE_EQUAL(replies.size(), 1u);
  CAF_CHECK_EQUAL(replies[0].error_type(), "Timeout");
  // Only now does it call /inc: that call is refused before it runs.
  caf::anon_send(late_caller::last(), go_atom::value);
  sched.run();
  late_caller::last() = nullptr;
  CAF_CHECK_EQUAL(calls["/inc"], 0);
  auto inc = counts("/inc");
  CAF_CHECK_EQUAL(inc.at(0), 0u); // never admitted
}

CAF_TEST_FIXTURE_SCOPE_END()
