#define CAF_SUITE calling_thread_unit
#include <caf/test/unit_test.hpp>

#include "actors/runtime/calling_thread_unit.hpp"

#include "actors/application.hpp"
#include "actors/route_actor.hpp"
#include "actors/runtime/reply_callback.hpp"
#include "actors/runtime/atoms.hpp"
#include "actors/runtime/local_only.hpp"
#include "actors/runtime/start_route.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/message.hpp>
#include <caf/message_id.hpp>
#include <caf/resumable.hpp>
#include <caf/send.hpp>

using namespace actorserve;
using namespace std::chrono_literals;

namespace {

/// Where each message an actor handled ran.
struct runs {
  std::mutex mutex;
  std::vector<std::thread::id> threads;

  void add() {
    std::lock_guard<std::mutex> guard{mutex};
    threads.push_back(std::this_thread::get_id());
  }
  std::size_t count() {
    std::lock_guard<std::mutex> guard{mutex};
    return threads.size();
  }
  std::size_t on(std::thread::id id) {
    std::lock_guard<std::mutex> guard{mutex};
    std::size_t n = 0;
    for (auto t : threads)
      n += t == id ? 1 : 0;
    return n;
  }
  /// Waits until `n` messages were handled; false after 10 s.
  bool wait_for(std::size_t n) {
    for (int i = 0; i < 10000 && count() < n; ++i)
      std::this_thread::sleep_for(1ms);
    return count() >= n;
  }
};

/// Handles an int: records where, and spins for that many microseconds.
caf::behavior recorder(caf::event_based_actor*, runs* seen) {
  return {[seen](int busy_us) {
    seen->add();
    auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(busy_us);
    while (std::chrono::steady_clock::now() < until) {
    }
  }};
}

/// Passes an int on to `next`, one less, while it is above 0.
caf::behavior relay(caf::event_based_actor* self, runs* seen, caf::actor next) {
  return {[self, seen, next](int hops) {
    seen->add();
    if (hops > 0)
      self->send(next, hops - 1);
  }};
}

/// Handles an int: records where; a negative one makes it send itself
/// `more` ints while it runs.
caf::behavior self_feeder(caf::event_based_actor* self, runs* seen, int more) {
  return {[self, seen, more](int n) {
    seen->add();
    if (n < 0)
      for (int i = 0; i < more; ++i)
        self->send(self, i);
  }};
}

/// Handles (count, peer): records where, and sends (count - 1, itself) to
/// the peer while the count is above 0. (Spawned with arguments, not
/// captures: CAF 0.17 binds a null pointer for a lambda spawned without
/// any, which the sanitizer build reports.)
caf::behavior ping_pong(caf::event_based_actor* self, runs* seen) {
  return {[self, seen](int n, caf::actor back) {
    seen->add();
    if (n > 0)
      self->send(back, n - 1, caf::actor_cast<caf::actor>(self));
  }};
}

/// Where each instance was constructed; an instance stops after its call.
struct constructions {
  static runs& where() {
    static runs r;
    return r;
  }
};

class short_lived_route : public route_actor {
public:
  short_lived_route(caf::actor_config& cfg, const worker_context& ctx) : route_actor(cfg, ctx) {
    constructions::where().add();
  }

protected:
  caf::result<reply> handle(const call&) override {
    quit(); // a new instance takes its place
    return json("bye");
  }
};

void send_from_here(const caf::actor& to, caf::message msg,
                    caf::execution_unit* unit) {
  to->enqueue(nullptr, caf::make_message_id(), std::move(msg), unit);
}

// Actors are spawned lazily: their mailbox waits blocked for the first
// message, which wakes them, rather than starting on a scheduler thread.
struct fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::thread::id here = std::this_thread::get_id();
  // Far above what a run that does nothing may take on a loaded machine
  // (a thread waiting for a core), so that only the runs meant to be slow
  // are.
  std::chrono::microseconds run_limit{20000};
  std::uint64_t owner = calling_thread_unit::new_owner(); // what it learns is this test's
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(calling_thread_unit_tests, fixture)

CAF_TEST(an actor a send from this thread wakes runs here before the send returns) {
  runs seen;
  auto a = sys.spawn<caf::lazy_init>(recorder, &seen);
  send_from_here(a, caf::make_message(0), calling_thread_unit::of_this_thread(sys, owner, run_limit));
  CAF_REQUIRE_EQUAL(seen.count(), 1u);
  CAF_CHECK_EQUAL(seen.on(here), 1u);
  anon_send_exit(a, caf::exit_reason::user_shutdown);
}

CAF_TEST(without the unit the actor runs on a scheduler thread) {
  runs seen;
  auto a = sys.spawn<caf::lazy_init>(recorder, &seen);
  send_from_here(a, caf::make_message(0), nullptr);
  CAF_REQUIRE(seen.wait_for(1));
  CAF_CHECK_EQUAL(seen.on(here), 0u);
  anon_send_exit(a, caf::exit_reason::user_shutdown);
}

CAF_TEST(the actors it sends to run here too) {
  runs first;
  runs second;
  auto b = sys.spawn<caf::lazy_init>(relay, &second, caf::actor{});
  auto a = sys.spawn<caf::lazy_init>(relay, &first, b);
  send_from_here(a, caf::make_message(1), calling_thread_unit::of_this_thread(sys, owner, run_limit));
  CAF_CHECK_EQUAL(first.on(here), 1u);
  CAF_CHECK_EQUAL(second.on(here), 1u);
  anon_send_exit(a, caf::exit_reason::user_shutdown);
  anon_send_exit(b, caf::exit_reason::user_shutdown);
}

CAF_TEST(an actor slow here twice in a row runs on the scheduler threads for a while) {
  runs seen;
  auto a = sys.spawn<caf::lazy_init>(recorder, &seen);
  auto* unit = calling_thread_unit::of_this_thread(sys, owner, run_limit);
  auto slow_us = static_cast<int>(run_limit.count()) * 2;
  send_from_here(a, caf::make_message(slow_us), unit);
  CAF_REQUIRE_EQUAL(seen.on(here), 1u); // not known to be slow yet
  send_from_here(a, caf::make_message(slow_us), unit);
  CAF_REQUIRE_EQUAL(seen.on(here), 2u); // one slow run may be the machine's doing
  send_from_here(a, caf::make_message(0), unit);
  CAF_REQUIRE(seen.wait_for(3));
  CAF_CHECK_EQUAL(seen.on(here), 2u); // the third call ran elsewhere
  // A cheap actor is not held back by it.
  runs other;
  auto b = sys.spawn<caf::lazy_init>(recorder, &other);
  send_from_here(b, caf::make_message(0), unit);
  CAF_CHECK_EQUAL(other.on(here), 1u);
  anon_send_exit(a, caf::exit_reason::user_shutdown);
  anon_send_exit(b, caf::exit_reason::user_shutdown);
}

CAF_TEST(work done here for an actor counts as its runs do) {
  runs seen;
  auto a = sys.spawn<caf::lazy_init>(recorder, &seen);
  auto* unit = calling_thread_unit::of_this_thread(sys, owner, run_limit);
  auto* job = dynamic_cast<caf::resumable*>(caf::actor_cast<caf::abstract_actor*>(a));
  CAF_REQUIRE(job != nullptr);
  auto start = calling_thread_unit::clock::now();
  auto slow = start + 2 * run_limit;
  CAF_CHECK(unit->may_run(job));
  unit->ran_here(job, start, start + run_limit / 2); // fast: nothing against it
  unit->ran_here(job, start, slow);
  CAF_CHECK(unit->may_run(job)); // one slow run may be the machine's doing
  unit->ran_here(job, start, slow);
  // Found slow twice: neither that work nor the actor itself runs here now.
  CAF_CHECK(!unit->may_run(job));
  send_from_here(a, caf::make_message(0), unit);
  CAF_REQUIRE(seen.wait_for(1));
  CAF_CHECK_EQUAL(seen.on(here), 0u);
  anon_send_exit(a, caf::exit_reason::user_shutdown);
}

CAF_TEST(a slow run is forgiven after enough fast ones) {
  runs seen;
  auto a = sys.spawn<caf::lazy_init>(recorder, &seen);
  auto* unit = calling_thread_unit::of_this_thread(sys, owner, run_limit);
  auto slow_us = static_cast<int>(run_limit.count()) * 2;
  std::size_t sent = 0;
  for (int round = 0; round < 2; ++round) {
    send_from_here(a, caf::make_message(slow_us), unit);
    for (std::size_t i = 0; i < calling_thread_unit::fast_runs_to_forgive; ++i)
      send_from_here(a, caf::make_message(0), unit);
    sent += 1 + calling_thread_unit::fast_runs_to_forgive;
  }
  CAF_CHECK_EQUAL(seen.on(here), sent);
  anon_send_exit(a, caf::exit_reason::user_shutdown);
}

CAF_TEST(an actor slow every other run goes to the scheduler threads) {
  runs seen;
  auto a = sys.spawn<caf::lazy_init>(recorder, &seen);
  auto* unit = calling_thread_unit::of_this_thread(sys, owner, run_limit);
  auto slow_us = static_cast<int>(run_limit.count()) * 2;
  send_from_here(a, caf::make_message(slow_us), unit);
  send_from_here(a, caf::make_message(0), unit);
  send_from_here(a, caf::make_message(slow_us), unit);
  CAF_REQUIRE_EQUAL(seen.on(here), 3u);
  send_from_here(a, caf::make_message(0), unit);
  CAF_REQUIRE(seen.wait_for(4));
  CAF_CHECK_EQUAL(seen.on(here), 3u);
  anon_send_exit(a, caf::exit_reason::user_shutdown);
}

CAF_TEST(after its wait a slow actor runs here again and waits longer when slow again) {
  runs seen;
  auto a = sys.spawn<caf::lazy_init>(recorder, &seen);
  auto* unit = calling_thread_unit::of_this_thread(sys, owner, run_limit);
  auto slow_us = static_cast<int>(run_limit.count()) * 2;
  send_from_here(a, caf::make_message(slow_us), unit);
  send_from_here(a, caf::make_message(slow_us), unit); // now it waits slow_for
  CAF_REQUIRE_EQUAL(seen.on(here), 2u);
  std::this_thread::sleep_for(calling_thread_unit::slow_for + 100ms);
  send_from_here(a, caf::make_message(slow_us), unit); // its wait is over
  CAF_REQUIRE_EQUAL(seen.on(here), 3u);
  // Slow again: twice slow_for now, so still waiting after slow_for.
  std::this_thread::sleep_for(calling_thread_unit::slow_for + 100ms);
  send_from_here(a, caf::make_message(0), unit);
  CAF_REQUIRE(seen.wait_for(4));
  CAF_CHECK_EQUAL(seen.on(here), 3u);
  anon_send_exit(a, caf::exit_reason::user_shutdown);
}

CAF_TEST(a send with the unit from another thread goes to the scheduler threads) {
  runs seen;
  auto a = sys.spawn<caf::lazy_init>(recorder, &seen);
  auto* unit = calling_thread_unit::of_this_thread(sys, owner, run_limit);
  std::thread::id other;
  std::thread t{[&] {
    other = std::this_thread::get_id();
    send_from_here(a, caf::make_message(0), unit);
  }};
  t.join();
  CAF_REQUIRE(seen.wait_for(1));
  CAF_CHECK_EQUAL(seen.on(other), 0u);
  CAF_CHECK_EQUAL(seen.on(here), 0u);
  anon_send_exit(a, caf::exit_reason::user_shutdown);
}

CAF_TEST(a unit belongs to one owner) {
  auto* unit = calling_thread_unit::of_this_thread(sys, owner, run_limit);
  CAF_CHECK_EQUAL(calling_thread_unit::of_this_thread(sys, owner, run_limit), unit);
  auto* other = calling_thread_unit::of_this_thread(sys, calling_thread_unit::new_owner(),
                                                    run_limit);
  CAF_CHECK_NOT_EQUAL(other, unit); // what it learnt of slow actors is not the other's
  CAF_CHECK_NOT_EQUAL(calling_thread_unit::of_this_thread(sys, owner, run_limit), other);
}

CAF_TEST(an actor with a full mailbox hands the rest to the scheduler threads and loses nothing) {
  runs seen;
  constexpr int queued = 100;
  // Its first message makes it send itself `queued` more while it runs.
  auto a = sys.spawn<caf::lazy_init>(self_feeder, &seen, queued);
  send_from_here(a, caf::make_message(-1), calling_thread_unit::of_this_thread(sys, owner, run_limit));
  CAF_CHECK_EQUAL(seen.on(here), calling_thread_unit::messages_per_run);
  CAF_CHECK(seen.wait_for(queued + 1));
  CAF_CHECK_EQUAL(seen.count(), static_cast<std::size_t>(queued + 1));
  anon_send_exit(a, caf::exit_reason::user_shutdown);
}

CAF_TEST(actors that keep waking each other give the thread back) {
  runs left;
  runs right;
  constexpr int hops = 1000;
  // Two relays pass a count back and forth: each hop wakes the other.
  auto b = sys.spawn<caf::lazy_init>(ping_pong, &right);
  auto a = sys.spawn<caf::lazy_init>(ping_pong, &left);
  send_from_here(a, caf::make_message(hops, b), calling_thread_unit::of_this_thread(sys, owner, run_limit));
  // The send returned after at most runs_per_turn runs here, one message
  // each (fewer, should they take more than twice the run limit).
  auto ran_here = left.on(here) + right.on(here);
  CAF_CHECK_GREATER_OR_EQUAL(ran_here, 1u);
  CAF_CHECK_LESS_OR_EQUAL(ran_here, calling_thread_unit::runs_per_turn);
  // The rest ran on the scheduler threads.
  for (int i = 0; i < 10000 && left.count() + right.count() < hops + 1; ++i)
    std::this_thread::sleep_for(1ms);
  CAF_CHECK_EQUAL(left.count() + right.count(), static_cast<std::size_t>(hops + 1));
  anon_send_exit(a, caf::exit_reason::user_shutdown);
  anon_send_exit(b, caf::exit_reason::user_shutdown);
}

CAF_TEST(an instance that stopped is replaced off the gateway thread) {
  // A route's constructor may take long (it loads a model): the gate, run
  // here by the call, must not run the new one's here.
  application app;
  app.add_route<short_lived_route>("/short");
  auto gate = start_route(sys, *app.find("/short"), worker_context{}).gate;
  CAF_REQUIRE_EQUAL(constructions::where().count(), 1u);
  std::this_thread::sleep_for(50ms); // the gate started and waits for calls
  runs answered;
  call c{"/short", nullptr, sys.clock().now() + std::chrono::seconds(10)};
  gate->enqueue(caf::make_mailbox_element(nullptr, caf::make_message_id(), {}, call_atom::value,
                                          std::move(c),
                                          reply_callback{[&answered](reply) { answered.add(); }}),
                calling_thread_unit::of_this_thread(sys, owner, run_limit));
  CAF_REQUIRE_EQUAL(answered.on(here), 1u); // the call ran here
  CAF_REQUIRE(constructions::where().wait_for(2));
  CAF_CHECK_EQUAL(constructions::where().on(here), 1u); // only the first, by start_route
  anon_send(gate, stop_atom::value, local_only{});
}

CAF_TEST_FIXTURE_SCOPE_END()
