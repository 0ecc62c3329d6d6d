#define CAF_SUITE link_listener
#include <caf/test/unit_test.hpp>

#include "actors/workers/link_listener.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "actors/workers/link_proof.hpp"
#include "actors/workers/link_socket.hpp"

using namespace actorserve;
using namespace std::chrono_literals;

namespace {

const std::string secret = "a-long-enough-secret";

/// The connections a listener handed on.
struct admitted_links {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<owned_fd> links;

  link_listener::admit_function taker() {
    return [this](owned_fd fd, const std::string&) {
      std::lock_guard<std::mutex> guard{mutex};
      links.push_back(std::move(fd));
      changed.notify_all();
    };
  }

  std::size_t count() {
    std::lock_guard<std::mutex> guard{mutex};
    return links.size();
  }
};

owned_fd connect_to(const link_listener& listener) {
  std::string why;
  auto fd = connect_to_supervisor("127.0.0.1", listener.port(), 5s, why);
  CAF_REQUIRE(fd);
  return fd;
}

/// Whether the listener closes `fd` within `within`, whatever it sent first.
bool closed_by_peer(int fd, std::chrono::milliseconds within) {
  auto deadline = std::chrono::steady_clock::now() + within;
  char buf[256];
  while (wait_for(fd, false, deadline)) {
    auto n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
      return true;
  }
  return false;
}

template <class Predicate>
bool eventually(Predicate p) {
  for (int i = 0; i < 500; ++i) {
    if (p())
      return true;
    std::this_thread::sleep_for(10ms);
  }
  return p();
}

std::chrono::steady_clock::time_point soon() {
  return std::chrono::steady_clock::now() + 5s;
}

} // namespace

CAF_TEST(a worker with the secret is handed on and its link carries on) {
  admitted_links taken;
  link_listener listener{"127.0.0.1", 0, secret, taken.taker()};
  CAF_REQUIRE_NOT_EQUAL(listener.port(), 0);
  auto worker = connect_to(listener);
  std::string why;
  CAF_CHECK(prove_link_to_supervisor(worker.get(), secret, soon(), why) == link_outcome::admitted);
  CAF_REQUIRE(eventually([&] { return taken.count() == 1; }));
  CAF_CHECK_EQUAL(listener.admitted(), 1u);
  // The link is whole: what one end writes the other reads.
  CAF_REQUIRE_EQUAL(::send(taken.links[0].get(), "BASP", 4, MSG_NOSIGNAL), 4);
  char got[4] = {};
  CAF_REQUIRE(wait_for(worker.get(), false, soon()));
  CAF_CHECK_EQUAL(::recv(worker.get(), got, 4, 0), 4);
  CAF_CHECK_EQUAL(std::string(got, 4), "BASP");
}

CAF_TEST(a worker with another secret is closed and never handed on) {
  admitted_links taken;
  link_listener listener{"127.0.0.1", 0, secret, taken.taker()};
  auto worker = connect_to(listener);
  std::string why;
  auto outcome = prove_link_to_supervisor(worker.get(), "another-long-secret", soon(), why);
  CAF_CHECK(outcome == link_outcome::refused); // told so: the worker does not try again
  CAF_CHECK(eventually([&] { return listener.refused() == 1; }));
  CAF_CHECK_EQUAL(taken.count(), 0u);
}

CAF_TEST(a header that declares 4 GiB is closed before anything reads it) {
  admitted_links taken;
  link_listener listener{"127.0.0.1", 0, secret, taken.taker()};
  auto peer = connect_to(listener);
  // What a BASP peer sends first: a header whose payload is 0xFFFFFFFF
  // bytes, padded to the size of an answer.
  std::string header(link_answer_size, '\0');
  header[1] = header[2] = header[3] = header[4] = '\xff';
  CAF_REQUIRE_EQUAL(::send(peer.get(), header.data(), header.size(), MSG_NOSIGNAL),
                    static_cast<ssize_t>(header.size()));
  CAF_CHECK(closed_by_peer(peer.get(), 3s));
  CAF_CHECK_EQUAL(taken.count(), 0u);
  CAF_CHECK_EQUAL(listener.refused(), 1u);
}

CAF_TEST(a silent peer is closed at the proof timeout) {
  admitted_links taken;
  link_listener listener{"127.0.0.1", 0, secret, taken.taker(), {32, 200ms}};
  auto start = std::chrono::steady_clock::now();
  auto peer = connect_to(listener);
  CAF_CHECK(closed_by_peer(peer.get(), 5s));
  CAF_CHECK(std::chrono::steady_clock::now() - start >= 150ms);
  CAF_CHECK_EQUAL(listener.refused(), 1u);
}

CAF_TEST(past the cap of unproven connections one more is closed at once) {
  admitted_links taken;
  link_listener listener{"127.0.0.1", 0, secret, taken.taker(), {2, 60s}};
  auto first = connect_to(listener);
  auto second = connect_to(listener);
  CAF_REQUIRE(wait_for(first.get(), false, soon()));  // greeted: both are held
  CAF_REQUIRE(wait_for(second.get(), false, soon()));
  auto third = connect_to(listener);
  std::string why;
  auto outcome = prove_link_to_supervisor(third.get(), secret, soon(), why);
  CAF_CHECK(outcome == link_outcome::not_greeted); // a worker tries again
  CAF_CHECK(eventually([&] { return listener.refused() == 1; }));
  // Once the two are gone, a worker is admitted again.
  first = owned_fd{};
  second = owned_fd{};
  CAF_CHECK(eventually([&] { return listener.refused() == 3; }));
  auto worker = connect_to(listener);
  CAF_CHECK(prove_link_to_supervisor(worker.get(), secret, soon(), why) == link_outcome::admitted);
  CAF_CHECK(eventually([&] { return taken.count() == 1; }));
}

CAF_TEST(stopping the listener closes the connections it still holds) {
  admitted_links taken;
  owned_fd peer;
  {
    link_listener listener{"127.0.0.1", 0, secret, taken.taker()};
    peer = connect_to(listener);
    CAF_REQUIRE(wait_for(peer.get(), false, soon()));
  }
  CAF_CHECK(closed_by_peer(peer.get(), 2s));
}

CAF_TEST(a port that cannot be listened on or reached is named) {
  admitted_links taken;
  link_listener first{"127.0.0.1", 0, secret, taken.taker()};
  auto port = first.port();
  try {
    link_listener second{"127.0.0.1", port, secret, taken.taker()};
    CAF_FAIL("two listeners on one port");
  } catch (const std::runtime_error& e) {
    auto expected = "cannot listen for workers on 127.0.0.1:" + std::to_string(port)
                    + ": Address already in use";
    CAF_CHECK_EQUAL(std::string{e.what()}, expected);
  }
  // A socket bound to a port but not listening: connecting is refused.
  owned_fd bound{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CAF_REQUIRE_EQUAL(::bind(bound.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string why;
  CAF_CHECK(!connect_to_supervisor("127.0.0.1", bound_port(bound.get()), 1s, why));
  CAF_CHECK_EQUAL(why, "Connection refused");
}
