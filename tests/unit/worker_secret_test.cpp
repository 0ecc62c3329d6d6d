#define CAF_SUITE worker_secret
#include <caf/test/unit_test.hpp>

#include "actors/worker_secret.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "actors/worker_invitation.hpp"
#include "tests/unit/throws.hpp"

using namespace actorserve;

using actorserve::testing::throws;

CAF_TEST(a made secret is 64 hex digits and new each time) {
  auto a = worker_secret::make();
  CAF_CHECK_EQUAL(a.size(), 64u);
  CAF_CHECK_EQUAL(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(a, worker_secret::make());
  CAF_CHECK_NOT_EQUAL(worker_secret::nonce(), worker_secret::nonce());
}

CAF_TEST(a proof is HMAC-SHA256 of purpose and nonce under the secret) {
  // As computed by:
  //   printf 'actorserve-worker:0011' | openssl dgst -sha256 -hmac a-long-enough-secret
  CAF_CHECK_EQUAL(worker_secret::prove("a-long-enough-secret", "actorserve-worker", "0011"),
                  "ba28e022104eb1ab82c69c79a51ce58bd4dfbce4fa7c5c14a66e0011f0986653");
  auto p = worker_secret::prove("a-long-enough-secret", "actorserve-worker", "n1");
  CAF_CHECK(worker_secret::same(p, worker_secret::prove("a-long-enough-secret",
                                                        "actorserve-worker", "n1")));
  CAF_CHECK(!worker_secret::same(p, worker_secret::prove("another-long-secret",
                                                         "actorserve-worker", "n1")));
  CAF_CHECK(!worker_secret::same(p, worker_secret::prove("a-long-enough-secret",
                                                         "actorserve-supervisor", "n1")));
  CAF_CHECK(!worker_secret::same(p, p.substr(1)));
}

CAF_TEST(a secret shorter than the minimum is refused) {
  worker_secret::check(std::string(16, 'x'), "test"); // accepted: no throw
  try {
    worker_secret::check(std::string(15, 'x'), "test");
    CAF_FAIL("a 15-character secret was accepted");
  } catch (const std::invalid_argument& e) {
    CAF_CHECK_EQUAL(std::string{e.what()},
                    "the shared secret from test has 15 characters; it needs at least 16");
  }
}

CAF_TEST(a secret file is read without its surrounding white space) {
  char name[] = "/tmp/actorserve-secret-XXXXXX";
  ::close(::mkstemp(name));
  std::string path = name;
  {
    std::ofstream out{path};
    out << "  0123456789abcdef0123\n\n";
  }
  CAF_CHECK_EQUAL(worker_secret::read_file(path), "0123456789abcdef0123");
  {
    std::ofstream out{path};
    out << "short\n";
  }
  CAF_CHECK(throws<std::invalid_argument>([&] { worker_secret::read_file(path); }));
  std::remove(path.c_str());
  CAF_CHECK(throws<std::runtime_error>([&] { worker_secret::read_file(path); }));
}

CAF_TEST(host and port are split for names and IPv4 and bracketed IPv6) {
  CAF_CHECK_EQUAL(parse_host_port("example.org:4000", "--join").first, "example.org");
  CAF_CHECK_EQUAL(parse_host_port("10.0.0.1:1", "--join").second, 1);
  CAF_CHECK_EQUAL(parse_host_port("[::1]:65535", "--join").first, "::1");
  CAF_CHECK_EQUAL(parse_host_port("[::1]:65535", "--join").second, 65535);
  for (auto bad : {"host", "host:", ":80", "host:0", "host:65536", "host:8x"})
    CAF_CHECK(throws<std::invalid_argument>([&] { parse_host_port(bad, "--join"); }));
}
