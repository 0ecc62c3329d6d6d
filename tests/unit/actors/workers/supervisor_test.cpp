#define CAF_SUITE supervisor
#define FAIL(msg) CAF_FAIL(msg)
#include <caf/test/dsl.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <caf/io/middleman.hpp>

#include "actors/runtime/atoms.hpp"
#include "actors/runtime/local_only.hpp"
#include "actors/workers/supervisor.hpp"

using namespace actorserve;
using namespace std::chrono_literals;

namespace {

const std::string secret = "a-long-enough-secret";

/// A main gate of the route /r, counting the worker gates it is given;
/// `get_atom` → that count. (It takes an argument, unused: CAF 0.17 binds
/// a null pointer for an actor function without one, which
/// UndefinedBehaviorSanitizer rightly reports.)
struct gate_state {
  int added = 0;
};

caf::behavior counting_gate(caf::stateful_actor<gate_state>* self, int) {
  return {
    [self](add_instance_atom, std::int32_t, caf::actor&, local_only) { ++self->state.added; },
    [self](caf::get_atom) { return self->state.added; },
  };
}

/// An actor that takes anything and does nothing: a worker's agent or gate.
/// (Its argument, unused, as counting_gate's.)
caf::behavior idle_actor(caf::event_based_actor* self, int) {
  self->set_default_handler(caf::drop);
  return {[](int) {}};
}

supervisor_settings settings_for(std::shared_ptr<worker_board> board, caf::actor gate) {
  supervisor_settings settings;
  settings.options.workers = 0;
  settings.options.node_port = 0;
  settings.options.secret = secret;
  settings.board = std::move(board);
  settings.gates.emplace_back("/r", std::move(gate));
  return settings;
}

worker_status status_in(const worker_board& board, int index) {
  for (auto& s : board.snapshot())
    if (s.index == index)
      return s;
  CAF_FAIL("no slot " << index);
  return {};
}

/// A supervisor with no workers of its own, which workers may join, and a
/// joining worker played by the test's own actor, all in one actor system
/// under the test's scheduler: for what comes before a worker is ready.
struct fixture : test_coordinator_fixture<> {
  std::shared_ptr<worker_board> board = std::make_shared<worker_board>();
  caf::actor gate = sys.spawn(counting_gate, 0);
  caf::actor sup = sys.spawn<supervisor>(settings_for(board, gate));

  ~fixture() {
    caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(gate, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// Greets and proves the secret as a joining worker: its assignment, or
  /// the supervisor's refusal.
  caf::expected<worker_assignment> try_join(const worker_greeting& greeting) {
    self->send(sup, hello_atom::value, greeting);
    sched.run();
    supervisor_challenge challenge;
    self->receive([&](supervisor_challenge& c) { challenge = std::move(c); },
                  caf::after(0s) >> [] { CAF_FAIL("no challenge"); });
    self->send(sup, prove_atom::value,
               worker_proof{greeting.index, slot_proof(secret, challenge.nonce, greeting.index)});
    sched.run();
    caf::expected<worker_assignment> result{caf::sec::unexpected_message};
    self->receive([&](worker_assignment& a) { result = std::move(a); },
                  [&](caf::error& err) { result = std::move(err); },
                  caf::after(0s) >> [] { CAF_FAIL("no answer"); });
    return result;
  }

  worker_assignment join(const worker_greeting& greeting) {
    auto result = try_join(greeting);
    if (!result)
      CAF_FAIL("no assignment: " << sys.render(result.error()));
    return std::move(*result);
  }

  worker_status status_of(int index) {
    return status_in(*board, index);
  }
};

struct linked_config : caf::actor_system_config {
  linked_config() {
    load<caf::io::middleman>();
    add_join_message_types(*this);
    set("logger.file-verbosity", caf::atom("quiet"));
    set("logger.console-verbosity", caf::atom("quiet"));
  }
};

/// The supervisor in one actor system, a joining worker in another, linked
/// over loopback as two processes are: a worker's ready report names actors
/// by node, which one system alone cannot show.
struct linked_fixture {
  linked_config main_config;
  linked_config worker_config;
  caf::actor_system main_sys{main_config};
  caf::actor_system worker_sys{worker_config};
  std::shared_ptr<worker_board> board = std::make_shared<worker_board>();
  caf::actor gate = main_sys.spawn(counting_gate, 0);
  caf::actor sup = main_sys.spawn<supervisor>(settings_for(board, gate));
  caf::actor agent = worker_sys.spawn(idle_actor, 0);
  caf::actor worker_gate = worker_sys.spawn(idle_actor, 0);
  /// Stops the actors above however the fixture ends, a failed
  /// constructor too: the systems wait for them.
  struct stopper {
    std::vector<caf::actor> actors;
    ~stopper() {
      for (auto& a : actors)
        caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    }
  } stop_at_end{{sup, gate, agent, worker_gate}};
  caf::actor remote_sup; // the supervisor, as the worker's system reaches it
  std::unique_ptr<caf::scoped_actor> self;

  linked_fixture() {
    // A main gate is in its system's registry once it has sent a worker a
    // call (CAF files a sender that crosses to another node), and so can be
    // named from there.
    main_sys.registry().put(gate.id(), caf::actor_cast<caf::strong_actor_ptr>(gate));
    auto port = main_sys.middleman().publish(sup, 0, "127.0.0.1");
    CAF_REQUIRE(port);
    auto found = worker_sys.middleman().remote_actor("127.0.0.1", *port);
    CAF_REQUIRE(found);
    remote_sup = *found;
    self = std::make_unique<caf::scoped_actor>(worker_sys);
  }

  ~linked_fixture() {
    self.reset();
    remote_sup = nullptr;
  }

  /// The worker gates the main gate of /r was given. The supervisor sends
  /// them before it marks the worker ready, so once the board says so the
  /// gate has them in its mailbox, ahead of this question.
  int gates_added() {
    int added = -1;
    caf::scoped_actor asker{main_sys};
    asker->request(gate, 10s, caf::get_atom::value)
      .receive([&](int n) { added = n; },
               [](caf::error& err) { CAF_FAIL("no count: " << to_string(err)); });
    return added;
  }

  worker_assignment join(const worker_greeting& greeting) {
    supervisor_challenge challenge;
    (*self)
      ->request(remote_sup, 10s, hello_atom::value, greeting)
      .receive([&](supervisor_challenge& c) { challenge = std::move(c); },
               [](caf::error& err) { CAF_FAIL("no challenge: " << to_string(err)); });
    worker_assignment assignment;
    (*self)
      ->request(remote_sup, 10s, prove_atom::value,
                worker_proof{greeting.index, slot_proof(secret, challenge.nonce, greeting.index)})
      .receive([&](worker_assignment& a) { assignment = std::move(a); },
               [](caf::error& err) { CAF_FAIL("no assignment: " << to_string(err)); });
    return assignment;
  }

  /// Sends a ready report and waits (10 s at most) for the slot to leave
  /// the starting state: its status then.
  worker_status report(const worker_ready& ready) {
    (*self)->send(remote_sup, ready_atom::value, ready);
    auto deadline = std::chrono::steady_clock::now() + 10s;
    auto status = status_in(*board, ready.index);
    while (status.state == worker_state::starting && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
      status = status_in(*board, ready.index);
    }
    return status;
  }

  /// Joins as pid 4242 on greeted-host and reports ready with the token.
  int joins_ = 0;

  worker_status join_and_report(const caf::actor& its_agent, std::vector<std::string> paths,
                                std::vector<caf::actor> gates) {
    auto nonce = "n" + std::to_string(++joins_);
    auto assignment = join(worker_greeting{-1, 4242, "greeted-host", nonce});
    return report(worker_ready{assignment.index, 4242, "greeted-host", its_agent,
                               std::move(paths), std::move(gates), assignment.link_token});
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(supervisor_tests, fixture)

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
  auto one_more = try_join(worker_greeting{-1, 4242, "h", "one-more"});
  if (one_more)
    CAF_FAIL("one more worker joined");
  auto why = sys.render(one_more.error());
  CAF_CHECK_NOT_EQUAL(why.find("1024 workers have joined already"), std::string::npos);
  CAF_CHECK_EQUAL(board->snapshot().size(), max_workers);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(supervisor_linked_tests, linked_fixture)

CAF_TEST(a joined worker keeps the pid and host of its greeting) {
  auto assignment = join(worker_greeting{-1, 4242, "greeted-host", "nw"});
  // The ready report carries a pid and host of its own, unchecked: a host
  // name of a megabyte, another process's pid.
  auto status = report(worker_ready{assignment.index, 1, std::string(1 << 20, 'h'), agent,
                                    {"/r"}, {worker_gate}, assignment.link_token});
  CAF_CHECK_EQUAL(to_string(status.state), std::string{"ready"});
  CAF_CHECK_EQUAL(status.pid, 4242);
  CAF_CHECK_EQUAL(status.host, "greeted-host");
  CAF_CHECK_EQUAL(gates_added(), 1);
}

CAF_TEST(a ready report without the link token counts for nothing) {
  auto assignment = join(worker_greeting{-1, 4242, "greeted-host", "nw"});
  (*self)->send(remote_sup, ready_atom::value,
                worker_ready{assignment.index, 4242, "greeted-host", agent, {"/r"},
                             {worker_gate}, "not-the-token"});
  // What the supervisor handles next comes after the report: its answer
  // to the next greeting shows that the report was handled.
  join(worker_greeting{-1, 4243, "greeted-host", "n2"});
  CAF_CHECK_EQUAL(to_string(status_in(*board, assignment.index).state),
                  std::string{"starting"});
  CAF_CHECK_EQUAL(gates_added(), 0);
}

CAF_TEST(a route named twice in a ready report takes one gate of the worker) {
  // Three names of /r, and a route this node does not have.
  auto status = join_and_report(agent, {"/r", "/r", "/unknown", "/r"},
                                {worker_gate, worker_gate, worker_gate, worker_gate});
  CAF_CHECK_EQUAL(to_string(status.state), std::string{"ready"});
  CAF_CHECK_EQUAL(gates_added(), 1);
}

CAF_TEST(a worker cannot name the supervisors own actors as its gates) {
  // The main gate of /r itself, as the worker's gate of /r: the main gate
  // would send its calls to itself.
  auto status = join_and_report(agent, {"/r"}, {gate});
  CAF_CHECK_EQUAL(to_string(status.state), std::string{"ready"});
  CAF_CHECK_EQUAL(gates_added(), 0);
}

CAF_TEST(a worker cannot name the supervisors own actors as its agent) {
  auto status = join_and_report(gate, {"/r"}, {worker_gate});
  CAF_CHECK_EQUAL(to_string(status.state), std::string{"left"});
  CAF_CHECK_EQUAL(status.last_error,
                  "its ready report names an actor of the supervisor's process");
  CAF_CHECK_EQUAL(gates_added(), 0);
}

CAF_TEST(a worker cannot name actors in the process of another worker) {
  // The first worker is ready; a second names actors in the first's process
  // (the test's worker system plays it): its agent, and a gate there.
  CAF_REQUIRE_EQUAL(to_string(join_and_report(agent, {"/r"}, {worker_gate}).state),
                    std::string{"ready"});
  auto second = worker_sys.spawn(idle_actor, 0);
  stop_at_end.actors.push_back(second);
  auto status = join_and_report(second, {"/r"}, {worker_gate});
  CAF_CHECK_EQUAL(to_string(status.state), std::string{"left"});
  CAF_CHECK_EQUAL(status.last_error, "its ready report names an actor of worker 0's process");
  CAF_CHECK_EQUAL(gates_added(), 1);
}

CAF_TEST_FIXTURE_SCOPE_END()
