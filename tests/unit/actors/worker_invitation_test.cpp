#define CAF_SUITE worker_invitation
#include <caf/test/unit_test.hpp>

#include "actors/worker_invitation.hpp"

#include <cstdlib>
#include <stdexcept>

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

CAF_TEST(an invitation is taken from the environment once and leaves no trace) {
  ::unsetenv("ACTORSERVE_JOIN");
  ::unsetenv("ACTORSERVE_WORKER_INDEX");
  CAF_CHECK(!take_worker_invitation());
  ::setenv("ACTORSERVE_JOIN", "127.0.0.1:4000", 1);
  ::setenv("ACTORSERVE_WORKER_INDEX", "3", 1);
  ::setenv("ACTORSERVE_SECRET", "0123456789abcdef0123", 1);
  auto invitation = take_worker_invitation();
  CAF_REQUIRE(invitation);
  CAF_CHECK_EQUAL(invitation->host, "127.0.0.1");
  CAF_CHECK_EQUAL(invitation->port, 4000);
  CAF_CHECK_EQUAL(invitation->worker_index, 3);
  CAF_CHECK_EQUAL(invitation->secret, "0123456789abcdef0123");
  CAF_CHECK(std::getenv("ACTORSERVE_JOIN") == nullptr);
  CAF_CHECK(std::getenv("ACTORSERVE_WORKER_INDEX") == nullptr);
  CAF_CHECK(std::getenv("ACTORSERVE_SECRET") == nullptr);
  CAF_CHECK(!take_worker_invitation());
}
