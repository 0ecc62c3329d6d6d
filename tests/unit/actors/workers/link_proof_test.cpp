#define CAF_SUITE link_proof
#include <caf/test/unit_test.hpp>

#include "actors/workers/link_proof.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "actors/workers/link_socket.hpp"

using namespace actorserve;
using namespace std::chrono_literals;

namespace {

const std::string secret = "a-long-enough-secret";

struct socket_pair {
  owned_fd supervisor;
  owned_fd worker;
  socket_pair() {
    int fds[2];
    CAF_REQUIRE_EQUAL(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    supervisor = owned_fd{fds[0]};
    worker = owned_fd{fds[1]};
  }
};

void send_text(int fd, const std::string& text) {
  CAF_REQUIRE_EQUAL(::send(fd, text.data(), text.size(), MSG_NOSIGNAL),
                    static_cast<ssize_t>(text.size()));
}

std::string receive_text(int fd, std::size_t size) {
  std::string got(size, '\0');
  std::size_t have = 0;
  while (have < size) {
    auto n = ::recv(fd, got.data() + have, size - have, 0);
    if (n <= 0)
      break;
    have += static_cast<std::size_t>(n);
  }
  got.resize(have);
  return got;
}

auto soon() {
  return std::chrono::steady_clock::now() + 5s;
}

} // namespace

CAF_TEST(both sides prove the secret and agree on the proofs) {
  link_challenge challenge{secret};
  CAF_CHECK_EQUAL(challenge.greeting().size(), link_greeting_size);
  CAF_CHECK_EQUAL(challenge.greeting().substr(0, 8), "ASLINK1\n");
  auto answer = answer_link_greeting(secret, challenge.greeting());
  CAF_REQUIRE(answer);
  CAF_CHECK_EQUAL(answer->answer.size(), link_answer_size);
  auto proof = challenge.check(answer->answer);
  CAF_REQUIRE(proof);
  CAF_CHECK_EQUAL(proof->size(), link_proof_size);
  CAF_CHECK_EQUAL(*proof, answer->expected_proof);
}

CAF_TEST(an answer made with another secret or for another challenge is refused) {
  link_challenge challenge{secret};
  auto wrong = answer_link_greeting("another-long-secret", challenge.greeting());
  CAF_REQUIRE(wrong);
  CAF_CHECK(!challenge.check(wrong->answer));
  // A recorded answer does not pass a later challenge: its nonce is fresh.
  link_challenge later{secret};
  auto recorded = answer_link_greeting(secret, challenge.greeting());
  CAF_REQUIRE(recorded);
  CAF_CHECK(!later.check(recorded->answer));
  // The supervisor's own greeting is no answer, nor is its proof reflected.
  CAF_CHECK(!challenge.check(challenge.greeting()));
  auto reflected = recorded->answer.substr(0, 40) + recorded->expected_proof;
  CAF_CHECK(!challenge.check(reflected));
}

CAF_TEST(what is not of this protocol is no greeting and no answer) {
  link_challenge challenge{secret};
  auto good = answer_link_greeting(secret, challenge.greeting());
  CAF_REQUIRE(good);
  for (auto bad : {std::string{}, std::string(link_answer_size, 'A'),
                   good->answer.substr(0, link_answer_size - 1), good->answer + "x",
                   "ASLINK2\n" + good->answer.substr(8)})
    CAF_CHECK(!challenge.check(bad));
  for (auto bad : {std::string{}, std::string(link_greeting_size, 'A'),
                   challenge.greeting().substr(1), std::string{"GET / HTTP/1.1\r\nHost: x\r\n\r\n  "}})
    CAF_CHECK(!answer_link_greeting(secret, bad));
}

CAF_TEST(the worker reads not one byte past the supervisor proof) {
  socket_pair link;
  std::thread supervisor{[&] {
    link_challenge challenge{secret};
    send_text(link.supervisor.get(), challenge.greeting());
    auto proof = challenge.check(receive_text(link.supervisor.get(), link_answer_size));
    CAF_REQUIRE(proof);
    send_text(link.supervisor.get(), *proof + "CAF's first bytes");
  }};
  std::string why;
  auto outcome = prove_link_to_supervisor(link.worker.get(), secret, soon(), why);
  supervisor.join();
  CAF_CHECK(outcome == link_outcome::admitted);
  CAF_CHECK_EQUAL(receive_text(link.worker.get(), 17), "CAF's first bytes");
}

CAF_TEST(a supervisor that refuses the answer holds another secret) {
  socket_pair link;
  std::thread supervisor{[&] {
    link_challenge challenge{"the-supervisors-own-secret"};
    send_text(link.supervisor.get(), challenge.greeting());
    CAF_CHECK(!challenge.check(receive_text(link.supervisor.get(), link_answer_size)));
    send_text(link.supervisor.get(), link_refusal());
    link.supervisor = owned_fd{};
  }};
  std::string why;
  auto outcome = prove_link_to_supervisor(link.worker.get(), secret, soon(), why);
  supervisor.join();
  CAF_CHECK(outcome == link_outcome::refused);
  CAF_CHECK_EQUAL(why, "the supervisor refused this worker: it holds a different shared secret");
  CAF_CHECK_EQUAL(link_refusal().size(), link_proof_size);
}

CAF_TEST(a supervisor that closes during the proof may be tried again) {
  socket_pair link;
  std::thread supervisor{[&] {
    link_challenge challenge{secret};
    send_text(link.supervisor.get(), challenge.greeting());
    receive_text(link.supervisor.get(), link_answer_size);
    link.supervisor = owned_fd{}; // stopping, or past its proof timeout
  }};
  std::string why;
  auto outcome = prove_link_to_supervisor(link.worker.get(), secret, soon(), why);
  supervisor.join();
  CAF_CHECK(outcome == link_outcome::not_greeted);
  CAF_CHECK_EQUAL(why, "the supervisor did not answer the proof (the connection closed)");
}

CAF_TEST(a supervisor without the secret gets nothing from the worker) {
  socket_pair link;
  std::thread impostor{[&] {
    link_challenge challenge{"the-impostors-own-secret"};
    send_text(link.supervisor.get(), challenge.greeting());
    receive_text(link.supervisor.get(), link_answer_size);
    send_text(link.supervisor.get(), std::string(link_proof_size, '0'));
  }};
  std::string why;
  auto outcome = prove_link_to_supervisor(link.worker.get(), secret, soon(), why);
  impostor.join();
  CAF_CHECK(outcome == link_outcome::impostor);
  CAF_CHECK_EQUAL(why, "the supervisor holds a different shared secret; not joining it");
}

CAF_TEST(silence and other protocols are no greeting and may be tried again) {
  {
    socket_pair link;
    std::string why;
    auto start = std::chrono::steady_clock::now();
    auto outcome = prove_link_to_supervisor(link.worker.get(), secret, start + 100ms, why);
    CAF_CHECK(outcome == link_outcome::not_greeted);
    CAF_CHECK_EQUAL(why, "no greeting from the worker port (no answer in time)");
    CAF_CHECK(std::chrono::steady_clock::now() - start < 3s);
  }
  {
    socket_pair link;
    send_text(link.supervisor.get(), "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    std::string why;
    auto outcome = prove_link_to_supervisor(link.worker.get(), secret, soon(), why);
    CAF_CHECK(outcome == link_outcome::not_greeted);
    CAF_CHECK_EQUAL(why, "the worker port does not speak actorserve's link protocol");
  }
}
