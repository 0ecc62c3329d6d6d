#define CAF_SUITE join_protocol
#define FAIL(msg) CAF_FAIL(msg)
#include <caf/test/dsl.hpp>

#include "actors/workers/join_protocol.hpp"

using namespace actorserve;

CAF_TEST(each side proves the secret over the nonce of the other) {
  // As computed by:
  //   printf 'actorserve-supervisor:n1' | openssl dgst -sha256 -hmac a-long-enough-secret
  //   printf 'actorserve-worker:n1:2' | openssl dgst -sha256 -hmac a-long-enough-secret
  CAF_CHECK_EQUAL(supervisor_proof("a-long-enough-secret", "n1"),
                  "56920ab86308d10f58e50da9510009fdf5736cd8f22f6686704480249a40f1d8");
  CAF_CHECK_EQUAL(slot_proof("a-long-enough-secret", "n1", 2),
                  "1ab6e598c460474372d0b85f4ffbc5a602a633f988d0f2fc0eed5adab6a1823e");
}

CAF_TEST(a worker proof is bound to its slot and cannot pass for a supervisor proof) {
  auto proof = slot_proof("a-long-enough-secret", "n1", 2);
  CAF_CHECK_NOT_EQUAL(proof, slot_proof("a-long-enough-secret", "n1", 3));
  CAF_CHECK_NOT_EQUAL(proof, slot_proof("a-long-enough-secret", "n2", 2));
  CAF_CHECK_NOT_EQUAL(proof, slot_proof("another-long-secret", "n1", 2));
  CAF_CHECK_NOT_EQUAL(supervisor_proof("a-long-enough-secret", "n1:2"), proof);
}

CAF_TEST(join addresses bracket ipv6 hosts) {
  CAF_CHECK_EQUAL(join_address("127.0.0.1", 4000), "127.0.0.1:4000");
  CAF_CHECK_EQUAL(join_address("::1", 4000), "[::1]:4000");
  CAF_CHECK_EQUAL(join_address("example.org", 1), "example.org:1");
}

namespace {

const std::string secret = "a-long-enough-secret";

/// The text a refusal carries.
std::string why(const caf::error& err) {
  auto& ctx = err.context();
  return ctx.size() == 1 && ctx.match_element<std::string>(0) ? ctx.get_as<std::string>(0)
                                                              : "?";
}

struct gatekeeper_fixture : test_coordinator_fixture<> {
  join_gatekeeper gatekeeper{secret};
  join_gatekeeper::time_point now{};

  /// A distinct sender, as a peer's actor would be.
  caf::actor_addr peer() {
    // (A function actor with an argument: CAF 0.17 binds a null pointer for
    // one without, which UndefinedBehaviorSanitizer rightly reports.)
    auto a = sys.spawn([](caf::event_based_actor*, int) -> caf::behavior { return {[](int) {}}; },
                       0);
    peers.push_back(a);
    return a.address();
  }

  std::vector<caf::actor> peers;

  ~gatekeeper_fixture() {
    for (auto& a : peers)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(join_gatekeeper_tests, gatekeeper_fixture)

CAF_TEST(a worker that answers the challenge is admitted once) {
  auto a = peer();
  auto challenge = gatekeeper.greet(a, worker_greeting{2, 77, "hosta", "nw"}, now);
  CAF_REQUIRE(challenge);
  CAF_CHECK_EQUAL(challenge->proof, supervisor_proof(secret, "nw"));
  CAF_CHECK_EQUAL(challenge->nonce.size(), 32u);
  CAF_CHECK_EQUAL(gatekeeper.waiting(), 1u);
  auto proven = gatekeeper.check(a, worker_proof{2, slot_proof(secret, challenge->nonce, 2)});
  CAF_REQUIRE(proven);
  CAF_CHECK_EQUAL(proven->index, 2);
  CAF_CHECK_EQUAL(proven->pid, 77);
  CAF_CHECK_EQUAL(proven->host, "hosta");
  CAF_CHECK_EQUAL(gatekeeper.waiting(), 0u);
  // The greeting is used up: the same proof again is refused.
  auto again = gatekeeper.check(a, worker_proof{2, slot_proof(secret, challenge->nonce, 2)});
  CAF_REQUIRE(!again);
  CAF_CHECK_EQUAL(why(again.error()), "prove without hello");
}

CAF_TEST(a wrong secret another slot or another sender is refused) {
  auto a = peer();
  auto b = peer();
  auto challenge = gatekeeper.greet(a, worker_greeting{1, 5, "h", "n"}, now);
  CAF_REQUIRE(challenge);
  auto wrong = gatekeeper.check(a, worker_proof{1, slot_proof("another-long-secret",
                                                              challenge->nonce, 1)});
  CAF_REQUIRE(!wrong);
  CAF_CHECK_EQUAL(why(wrong.error()), "the supervisor refused this worker: wrong shared secret");
  challenge = gatekeeper.greet(a, worker_greeting{1, 5, "h", "n"}, now);
  auto other_slot = gatekeeper.check(a, worker_proof{0, slot_proof(secret, challenge->nonce, 0)});
  CAF_REQUIRE(!other_slot);
  CAF_CHECK_EQUAL(why(other_slot.error()),
                  "the proof names another worker slot than the greeting");
  challenge = gatekeeper.greet(a, worker_greeting{1, 5, "h", "n"}, now);
  // b heard a's challenge: its proof is worth nothing from b.
  auto stolen = gatekeeper.check(b, worker_proof{1, slot_proof(secret, challenge->nonce, 1)});
  CAF_REQUIRE(!stolen);
  CAF_CHECK_EQUAL(why(stolen.error()), "prove without hello");
}

CAF_TEST(malformed greetings are refused) {
  auto a = peer();
  CAF_CHECK(!gatekeeper.greet(caf::actor_addr{}, worker_greeting{0, 1, "h", "n"}, now));
  CAF_CHECK(!gatekeeper.greet(a, worker_greeting{0, 1, std::string(256, 'h'), "n"}, now));
  CAF_CHECK(gatekeeper.greet(a, worker_greeting{0, 1, std::string(255, 'h'), "n"}, now));
  CAF_CHECK(!gatekeeper.greet(a, worker_greeting{0, 1, "h", std::string(129, 'n')}, now));
  CAF_CHECK(gatekeeper.greet(a, worker_greeting{0, 1, "h", std::string(128, 'n')}, now));
}

CAF_TEST(greetings never proven are bounded and expire) {
  for (std::size_t i = 0; i < join_gatekeeper::max_greetings; ++i)
    CAF_REQUIRE(gatekeeper.greet(peer(), worker_greeting{-1, 1, "h", "n"}, now));
  auto full = gatekeeper.greet(peer(), worker_greeting{-1, 1, "h", "n"}, now);
  CAF_REQUIRE(!full);
  CAF_CHECK_EQUAL(why(full.error()), "too many workers are joining at once");
  // Past their lifetime the old greetings are forgotten and make room.
  auto later = now + join_gatekeeper::greeting_lifetime + std::chrono::seconds{1};
  CAF_CHECK(gatekeeper.greet(peer(), worker_greeting{-1, 1, "h", "n"}, later));
  CAF_CHECK_EQUAL(gatekeeper.waiting(), 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()
