#define CAF_SUITE worker_invitation
#include <caf/test/unit_test.hpp>

#include "actors/worker_invitation.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "tests/unit/throws.hpp"

using namespace actorserve;

using actorserve::testing::throws;

CAF_TEST(host and port are split for names and IPv4 and bracketed IPv6) {
  CAF_CHECK_EQUAL(parse_host_port("example.org:4000", "--join").first, "example.org");
  CAF_CHECK_EQUAL(parse_host_port("10.0.0.1:1", "--join").second, 1);
  CAF_CHECK_EQUAL(parse_host_port("[::1]:65535", "--join").first, "::1");
  CAF_CHECK_EQUAL(parse_host_port("[::1]:65535", "--join").second, 65535);
  for (auto bad : {"host", "host:", ":80", "host:0", "host:65536", "host:8x"})
    CAF_CHECK(throws<std::invalid_argument>([&] { parse_host_port(bad, "--join"); }));
}

CAF_TEST(a port that is not one is named with what was given) {
  auto refusal = [](const std::string& text) -> std::string {
    try {
      parse_host_port(text, "--join");
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "";
  };
  for (std::string bad : {"host:abc", "host:0", "host:65536", "host:-1"})
    CAF_CHECK_EQUAL(refusal(bad),
                    "--join takes HOST:PORT with a port of 1 to 65535; got '" + bad + "'");
  CAF_CHECK_EQUAL(refusal("host"), "--join takes HOST:PORT; got 'host'");
}

CAF_TEST(an invitation is taken from the environment once and leaves no trace) {
  ::unsetenv("ACTORSERVE_LINK_FD");
  ::unsetenv("ACTORSERVE_WORKER_INDEX");
  CAF_CHECK(!take_worker_invitation());
  int pair[2];
  CAF_REQUIRE_EQUAL(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  ::setenv("ACTORSERVE_LINK_FD", std::to_string(pair[1]).c_str(), 1);
  ::setenv("ACTORSERVE_WORKER_INDEX", "3", 1);
  ::setenv("ACTORSERVE_SECRET", "0123456789abcdef0123", 1);
  auto invitation = take_worker_invitation();
  CAF_REQUIRE(invitation);
  CAF_CHECK_EQUAL(invitation->link_fd, pair[1]);
  CAF_CHECK_EQUAL(invitation->worker_index, 3);
  CAF_CHECK_EQUAL(invitation->secret, "0123456789abcdef0123");
  // The link does not live on in what the worker starts.
  CAF_CHECK_EQUAL(::fcntl(pair[1], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  CAF_CHECK(std::getenv("ACTORSERVE_LINK_FD") == nullptr);
  CAF_CHECK(std::getenv("ACTORSERVE_WORKER_INDEX") == nullptr);
  CAF_CHECK(std::getenv("ACTORSERVE_SECRET") == nullptr);
  CAF_CHECK(!take_worker_invitation());
  ::close(pair[0]);
  ::close(pair[1]);
}

CAF_TEST(an invitation whose link is not a socket is refused) {
  int pipe_fds[2];
  CAF_REQUIRE_EQUAL(::pipe(pipe_fds), 0);
  for (std::string bad : {std::string{}, std::string{"x"}, std::string{"9999999"},
                          std::string{"99999"}, std::to_string(pipe_fds[0])}) {
    ::setenv("ACTORSERVE_LINK_FD", bad.c_str(), 1);
    ::setenv("ACTORSERVE_WORKER_INDEX", "0", 1);
    CAF_CHECK(throws<std::invalid_argument>([] { take_worker_invitation(); }));
  }
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  ::unsetenv("ACTORSERVE_LINK_FD");
  ::unsetenv("ACTORSERVE_WORKER_INDEX");
}
