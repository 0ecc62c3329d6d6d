#define CAF_SUITE shutdown_broadcast
#define FAIL(msg) CAF_FAIL(msg)
#include <caf/test/dsl.hpp>

#include "actors/runtime/shutdown_broadcast.hpp"

#include "actors/runtime/atoms.hpp"
#include "actors/runtime/local_only.hpp"

using namespace actorserve;
using namespace std::chrono_literals;

namespace {

/// A participant that reports what it was told, and drains when asked.
struct participant_state {
  std::vector<std::string> heard;
};

using drain_now_atom = caf::atom_constant<caf::atom("drainnow")>;

caf::behavior participant(caf::stateful_actor<participant_state>* self,
                          std::vector<std::string>* log, std::string name) {
  return {
    [=](shutdown_atom, local_only) { log->push_back(name + " shutdown"); },
    [=](drain_now_atom, caf::actor broadcast) {
      self->send(broadcast, drained_atom::value, local_only{});
    },
    [=](stop_atom, local_only) {
      log->push_back(name + " stop");
      self->quit();
    },
  };
}

struct fixture : test_coordinator_fixture<> {
  std::vector<std::string> log;
  caf::actor broadcast = sys.spawn<shutdown_broadcast>(std::chrono::milliseconds(5000));
  caf::actor a = sys.spawn(participant, &log, std::string("a"));
  caf::actor b = sys.spawn(participant, &log, std::string("b"));

  fixture() {
    self->send(broadcast, join_atom::value, a, local_only{});
    self->send(broadcast, join_atom::value, b, local_only{});
    sched.run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(shutdown_broadcast_tests, fixture)

CAF_TEST(the broadcast reaches everyone and stops them once all drained) {
  self->send(broadcast, shutdown_atom::value, local_only{});
  sched.run();
  CAF_CHECK_EQUAL(log, (std::vector<std::string>{"a shutdown", "b shutdown"}));
  self->send(a, drain_now_atom::value, broadcast);
  sched.run();
  CAF_CHECK_EQUAL(log.size(), 2u); // b still busy
  self->send(b, drain_now_atom::value, broadcast);
  sched.run();
  CAF_CHECK_EQUAL(log, (std::vector<std::string>{"a shutdown", "b shutdown",
                                                 "a stop", "b stop"}));
}

CAF_TEST(a participant that dies no longer holds the drain) {
  self->send(broadcast, shutdown_atom::value, local_only{});
  sched.run();
  self->send(a, drain_now_atom::value, broadcast);
  self->send_exit(b, caf::exit_reason::kill);
  sched.run();
  CAF_CHECK_EQUAL(log.back(), "a stop");
}

CAF_TEST(the drain deadline stops everyone still busy) {
  self->send(broadcast, shutdown_atom::value, local_only{});
  sched.run();
  CAF_REQUIRE(sched.trigger_timeout());
  sched.run();
  CAF_CHECK_EQUAL(log, (std::vector<std::string>{"a shutdown", "b shutdown",
                                                 "a stop", "b stop"}));
}

CAF_TEST(a participant joining during the drain is told at once) {
  self->send(broadcast, shutdown_atom::value, local_only{});
  sched.run();
  auto c = sys.spawn(participant, &log, std::string("c"));
  self->send(broadcast, join_atom::value, c, local_only{});
  sched.run();
  CAF_CHECK_EQUAL(log.back(), "c shutdown");
  self->send(broadcast, stop_atom::value, local_only{});
  sched.run();
}

CAF_TEST(messages without the mark of this process change nothing) {
  // What a peer that reached the node port can send, its source node
  // forged to this one: CAF hands it over as if a local actor sent it.
  self->send(broadcast, shutdown_atom::value);
  self->send(broadcast, stop_atom::value);
  caf::anon_send(broadcast, stop_atom::value);
  sched.run();
  CAF_CHECK(log.empty());
  self->send(broadcast, shutdown_atom::value, local_only{});
  sched.run();
  self->send(broadcast, drained_atom::value); // a forged "drained" ends nothing
  self->send(a, drain_now_atom::value, broadcast);
  sched.run();
  CAF_CHECK_EQUAL(log, (std::vector<std::string>{"a shutdown", "b shutdown"}));
  self->send(broadcast, stop_atom::value, local_only{});
  sched.run();
}

CAF_TEST_FIXTURE_SCOPE_END()
