#define CAF_SUITE in_place_route
#include <caf/test/unit_test.hpp>

#include "actors/runtime/in_place_route.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <stdexcept>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "actors/cancel_token.hpp"
#include "actors/error_type.hpp"

using namespace actorserve;
using namespace std::chrono_literals;

namespace {

struct fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};

  /// A call to `path` with a deadline a minute from now.
  call make_call(json input) {
    return call{"/r", std::move(input), sys.clock().now() + 60s, 1};
  }

  /// What call_directly gave on_reply; nothing when it returned false.
  std::optional<reply> direct(in_place_route& route, call c) {
    std::optional<reply> got;
    if (!route.call_directly(c, [&](reply r) { got = std::move(r); }))
      return std::nullopt;
    CAF_CHECK(got); // answered before call_directly returned (CHECK: other threads call it)
    return got;
  }
};

route_function doubled() {
  return [](call& c) { return reply{json(2 * c.input.get<int>())}; };
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(in_place_route_tests, fixture)

CAF_TEST(a direct call runs the function and answers before it returns) {
  in_place_route route{"/r", doubled(), true, nullptr, sys.clock(), 32};
  auto r = direct(route, make_call(21));
  CAF_REQUIRE(r);
  CAF_CHECK(r->ok());
  CAF_CHECK_EQUAL(r->value(), json(42));
  CAF_CHECK_EQUAL(route.admitted(), 1u);
  CAF_CHECK(!in_place_route::running_on_this_thread());
}

CAF_TEST(a direct call is refused as its gate would refuse it) {
  in_place_route route{"/r", doubled(), true, nullptr, sys.clock(), 32};
  auto late = make_call(1);
  late.deadline = sys.clock().now() - 1ms;
  auto r = direct(route, late);
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->error_type(), error_type::timeout);
  CAF_CHECK_EQUAL(r->error_message(), "the call to /r arrived after its deadline");
  auto gone = make_call(1);
  gone.cancel = std::make_shared<cancel_token>();
  gone.cancel->cancel();
  r = direct(route, gone);
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->error_type(), error_type::cancelled);
  auto damaged = make_call(json(json::value_t::discarded));
  r = direct(route, damaged);
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->error_type(), error_type::bad_request);
  CAF_CHECK_EQUAL(route.admitted(), 0u);
  CAF_CHECK_EQUAL(route.dropped_gone(), 1u);
  route.begin_drain();
  r = direct(route, make_call(1));
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->error_type(), error_type::shutting_down);
  CAF_CHECK_EQUAL(r->error_message(),
                  "the service is shutting down; route /r takes no new calls");
  CAF_CHECK_EQUAL(route.admitted(), 0u);
}

CAF_TEST(the function runs one call at a time whoever runs it) {
  std::promise<void> entered;
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  route_function held = [&, released](call& c) {
    auto now = ++inside;
    for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
    }
    if (c.input == json("hold")) {
      entered.set_value();
      released.wait();
    }
    --inside;
    return reply{c.input};
  };
  in_place_route route{"/r", held, true, nullptr, sys.clock(), 32};
  std::thread first([&] {
    // try_lock may fail even when the lock is free: try again, a while
    for (int i = 0; i < 1000 && !direct(route, make_call("hold")); ++i)
      std::this_thread::sleep_for(1ms);
  });
  if (entered.get_future().wait_for(10s) != std::future_status::ready) {
    release.set_value();
    first.join();
    CAF_FAIL("the function never ran");
  }
  // A gateway's thread that finds it running leaves the call to the gate.
  CAF_CHECK(!direct(route, make_call("next")));
  // The gate's own run waits its turn.
  auto gates = std::async(std::launch::async, [&] {
    auto c = make_call("gate");
    return route.run(c);
  });
  CAF_CHECK(gates.wait_for(50ms) == std::future_status::timeout);
  release.set_value();
  first.join();
  auto gate_reply = gates.get();
  CAF_CHECK_EQUAL(gate_reply.value(), json("gate"));
  CAF_CHECK_EQUAL(most.load(), 1);
  CAF_CHECK_EQUAL(route.admitted(), 1u); // the direct call that ran; the gate counts its own
}

CAF_TEST(the drain waits for a direct call that runs) {
  std::promise<void> entered;
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<bool> finished{false};
  route_function held = [&, released](call& c) {
    entered.set_value();
    released.wait();
    finished = true;
    return reply{c.input};
  };
  in_place_route route{"/r", held, true, nullptr, sys.clock(), 32};
  std::thread caller([&] {
    for (int i = 0; i < 1000 && !direct(route, make_call(1)); ++i)
      std::this_thread::sleep_for(1ms);
  });
  if (entered.get_future().wait_for(10s) != std::future_status::ready) {
    release.set_value();
    caller.join();
    CAF_FAIL("the function never ran");
  }
  auto drain = std::async(std::launch::async, [&] {
    route.begin_drain();
    return finished.load();
  });
  CAF_CHECK(drain.wait_for(50ms) == std::future_status::timeout);
  release.set_value();
  CAF_CHECK(drain.get()); // it returned only once the function had
  caller.join();
}

CAF_TEST(a reply callback that throws does not reach the caller) {
  in_place_route route{"/r", doubled(), true, nullptr, sys.clock(), 32};
  auto c = make_call(1);
  bool answered = false;
  CAF_CHECK(route.call_directly(c, [&](reply) {
    answered = true;
    throw std::runtime_error("callback failed");
  }));
  CAF_CHECK(answered);
}

CAF_TEST(a function that throws answers an error and frees the route) {
  route_function throws = [](call& c) -> reply {
    if (c.input == json("throw"))
      throw std::invalid_argument("no such thing");
    return reply{c.input};
  };
  in_place_route route{"/r", throws, true, nullptr, sys.clock(), 32};
  auto r = direct(route, make_call("throw"));
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->error_type(), "invalid_argument");
  CAF_CHECK_EQUAL(r->error_message(), "no such thing");
  CAF_CHECK(!in_place_route::running_on_this_thread());
  r = direct(route, make_call("next")); // the lock was let go
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->value(), json("next"));
}

CAF_TEST(a thread running a function in place runs no other route in place) {
  in_place_route other{"/other", doubled(), true, nullptr, sys.clock(), 32};
  std::optional<bool> nested;
  route_function calls_other = [&](call& c) {
    auto inner = make_call(1);
    nested = other.call_directly(inner, [](reply) {});
    return reply{c.input};
  };
  in_place_route route{"/r", calls_other, true, nullptr, sys.clock(), 32};
  auto r = direct(route, make_call("outer"));
  CAF_REQUIRE(r);
  CAF_REQUIRE(nested);
  // Left to its gate: a thread holding one route's lock waits for no other.
  CAF_CHECK(!*nested);
  CAF_CHECK_EQUAL(other.admitted(), 0u);
}

CAF_TEST(a thread knows while it runs a function in place) {
  bool inside = false;
  route_function look = [&](call&) {
    inside = in_place_route::running_on_this_thread();
    return reply{json(nullptr)};
  };
  in_place_route route{"/r", look, true, nullptr, sys.clock(), 32};
  direct(route, make_call(1));
  CAF_CHECK(inside);
  inside = false;
  auto c = make_call(1);
  route.run(c);
  CAF_CHECK(inside);
  CAF_CHECK(!in_place_route::running_on_this_thread());
}

CAF_TEST_FIXTURE_SCOPE_END()
