#define CAF_SUITE supervisor
#define FAIL(msg) CAF_FAIL(msg)
#include <caf/test/dsl.hpp>

#include <memory>
#include <string>

#include "actors/runtime/atoms.hpp"
#include "actors/runtime/local_only.hpp"
#include "actors/workers/supervisor.hpp"

using namespace actorserve;
using namespace std::chrono_literals;

namespace {

const std::string secret = "a-long-enough-secret";

/// A main gate of the route /r, counting the worker gates it is given.
struct gate_state {
  std::shared_ptr<int> added;
};

caf::behavior counting_gate(caf::stateful_actor<gate_state>* self, std::shared_ptr<int> added) {
  self->state.added = std::move(added);
  return {
    [self](add_instance_atom, std::int32_t, caf::actor&, local_only) { ++*self->state.added; },
  };
}

/// A supervisor with no workers of its own, which workers may join, and a
/// joining worker played by the test's own actor.
struct fixture : test_coordinator_fixture<> {
  std::shared_ptr<worker_board> board = std::make_shared<worker_board>();
  std::shared_ptr<int> gates_added = std::make_shared<int>(0);
  caf::actor gate = sys.spawn(counting_gate, gates_added);
  caf::actor sup;
  caf::actor agent; // the joined worker's agent, as its ready report names it

  fixture() {
    supervisor_settings settings;
    settings.options.workers = 0;
    settings.options.node_port = 0;
    settings.options.secret = secret;
    settings.board = board;
    settings.gates.emplace_back("/r", gate);
    sup = sys.spawn<supervisor>(std::move(settings));
    // (A function actor with an argument: CAF 0.17 binds a null pointer for
    // one without, which UndefinedBehaviorSanitizer rightly reports.)
    agent = sys.spawn([](caf::event_based_actor*, int) -> caf::behavior { return {[](int) {}}; },
                      0);
    sched.run();
  }

  ~fixture() {
    caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(agent, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(gate, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// Greets and proves the secret as a joining worker: its assignment.
  worker_assignment join(const worker_greeting& greeting) {
    self->send(sup, hello_atom::value, greeting);
    sched.run();
    supervisor_challenge challenge;
    self->receive([&](supervisor_challenge& c) { challenge = std::move(c); },
                  caf::after(0s) >> [] { CAF_FAIL("no challenge"); });
    self->send(sup, prove_atom::value,
               worker_proof{greeting.index, slot_proof(secret, challenge.nonce, greeting.index)});
    sched.run();
    worker_assignment assignment;
    self->receive([&](worker_assignment& a) { assignment = std::move(a); },
                  caf::after(0s) >> [] { CAF_FAIL("no assignment"); });
    return assignment;
  }

  worker_status status_of(int index) {
    for (auto& s : board->snapshot())
      if (s.index == index)
        return s;
    CAF_FAIL("no slot " << index);
    return {};
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(supervisor_tests, fixture)

CAF_TEST(a joined worker keeps the pid and host of its greeting) {
  auto assignment = join(worker_greeting{-1, 4242, "greeted-host", "nw"});
  CAF_CHECK_EQUAL(to_string(status_of(assignment.index).state), std::string{"starting"});
  // The ready report carries a pid and host of its own, unchecked: a host
  // name of a megabyte, another process's pid.
  worker_ready report{assignment.index, 1, std::string(1 << 20, 'h'), agent, {}, {},
                      assignment.link_token};
  self->send(sup, ready_atom::value, report);
  sched.run();
  auto status = status_of(assignment.index);
  CAF_CHECK_EQUAL(to_string(status.state), std::string{"ready"});
  CAF_CHECK_EQUAL(status.pid, 4242);
  CAF_CHECK_EQUAL(status.host, "greeted-host");
}

CAF_TEST(a ready report without the link token counts for nothing) {
  auto assignment = join(worker_greeting{-1, 4242, "greeted-host", "nw"});
  worker_ready report{assignment.index, 4242, "greeted-host", agent, {}, {}, "not-the-token"};
  self->send(sup, ready_atom::value, report);
  sched.run();
  CAF_CHECK_EQUAL(to_string(status_of(assignment.index).state), std::string{"starting"});
}

CAF_TEST(the account a joined worker gives of its failed start is cut to 1024 bytes) {
  auto assignment = join(worker_greeting{-1, 4242, "greeted-host", "nw"});
  self->send(sup, start_failed_atom::value, assignment.index, std::string(1 << 20, 'w'),
             assignment.link_token);
  sched.run();
  self->receive([](bool) {}, caf::after(0s) >> [] { CAF_FAIL("no answer"); });
  auto status = status_of(assignment.index);
  CAF_CHECK_EQUAL(to_string(status.state), std::string{"left"});
  CAF_CHECK_EQUAL(status.last_error, std::string(1024, 'w') + "...");
}

CAF_TEST(a route named twice in a ready report takes one gate of the worker) {
  auto assignment = join(worker_greeting{-1, 4242, "greeted-host", "nw"});
  // Three names of /r, and a route this node does not have.
  worker_ready report{assignment.index, 4242, "greeted-host", agent,
                      {"/r", "/r", "/unknown", "/r"}, {agent, agent, agent, agent},
                      assignment.link_token};
  self->send(sup, ready_atom::value, report);
  sched.run();
  CAF_CHECK_EQUAL(to_string(status_of(assignment.index).state), std::string{"ready"});
  CAF_CHECK_EQUAL(*gates_added, 1);
}

CAF_TEST(a joining worker takes the lowest index no worker holds) {
  auto first = join(worker_greeting{-1, 4242, "greeted-host", "n1"});
  auto second = join(worker_greeting{-1, 4243, "greeted-host", "n2"});
  CAF_CHECK_EQUAL(first.index, 0);
  CAF_CHECK_EQUAL(second.index, 1);
  // The first fails to start, and leaves; the next to join takes index 0.
  self->send(sup, start_failed_atom::value, first.index, std::string{"no model"},
             first.link_token);
  sched.run();
  self->receive([](bool) {}, caf::after(0s) >> [] { CAF_FAIL("no answer"); });
  CAF_CHECK_EQUAL(join(worker_greeting{-1, 4244, "greeted-host", "n3"}).index, 0);
  CAF_CHECK_EQUAL(board->snapshot().size(), 2u);
}

CAF_TEST(at most max_workers workers join at once) {
  for (std::size_t i = 0; i < max_workers; ++i)
    CAF_REQUIRE_EQUAL(join(worker_greeting{-1, 4242, "h", "n" + std::to_string(i)}).index,
                      static_cast<std::int32_t>(i));
  worker_greeting greeting{-1, 4242, "h", "one-more"};
  self->send(sup, hello_atom::value, greeting);
  sched.run();
  supervisor_challenge challenge;
  self->receive([&](supervisor_challenge& c) { challenge = std::move(c); },
                caf::after(0s) >> [] { CAF_FAIL("no challenge"); });
  self->send(sup, prove_atom::value, worker_proof{-1, slot_proof(secret, challenge.nonce, -1)});
  sched.run();
  std::string why;
  self->receive([&](worker_assignment&) { CAF_FAIL("one more worker joined"); },
                [&](caf::error& err) { why = sys.render(err); },
                caf::after(0s) >> [] { CAF_FAIL("no answer"); });
  CAF_CHECK_NOT_EQUAL(why.find("1024 workers have joined already"), std::string::npos);
  CAF_CHECK_EQUAL(board->snapshot().size(), max_workers);
}

CAF_TEST_FIXTURE_SCOPE_END()
