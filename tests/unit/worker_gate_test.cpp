#define CAF_SUITE worker_gate
#define FAIL(msg) CAF_FAIL(msg)
#include <caf/test/dsl.hpp>

// The main node's gate of a route served by worker processes: its
// instances are the workers' own gates, added and removed by the pool.
#include "actors/route_gate.hpp"

#include "actors/application.hpp"
#include "actors/error_type.hpp"
#include "actors/start_route.hpp"
#include "actors/worker_protocol.hpp"
#include "tests/unit/test_routes.hpp"

using namespace actorserve;
using namespace std::chrono_literals;
using actorserve::testing::hold_route;
using actorserve::testing::send_collecting;

namespace {

struct fixture : test_coordinator_fixture<> {
  application app;
  std::vector<reply> replies;

  fixture() {
    hold_route::reset();
    app.add_route<hold_route>("/hold");
  }

  ~fixture() {
    hold_route::instances().clear();
  }

  /// The gate a worker would run for /hold.
  caf::actor worker_gate(int index) {
    auto gate = start_route(sys, *app.find("/hold"), worker_context{index, nullptr});
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
    // As the worker pool does: from an actor of this node.
    self->send(main, add_instance_atom::value, static_cast<std::int32_t>(worker), gate);
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
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(worker_gate_tests, fixture)

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
             std::string{"worker 0 did not answer heartbeats"});
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
  self->send(main, retire_worker_atom::value, std::int32_t{0});
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
  self->send(main, stop_atom::value);
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
  self->send(main, retire_worker_atom::value, std::int32_t{0});
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
  sched.run();
  send(main, "still served");
  CAF_CHECK_EQUAL(hold_route::held()[0], 1);
  CAF_CHECK_EQUAL(hold_route::held().count(1), 0u); // the forged instance got nothing
  release_all();
  CAF_REQUIRE_EQUAL(replies.size(), 1u);
  CAF_CHECK(replies[0].ok());
}

CAF_TEST(a call damaged on its way is refused with BadRequest) {
  auto worker = worker_gate(0);
  send(worker, json(json::value_t::discarded));
  CAF_REQUIRE_EQUAL(replies.size(), 1u);
  CAF_CHECK_EQUAL(replies[0].error_type(), error_type::bad_request);
  CAF_CHECK_EQUAL(hold_route::held().count(0), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
