#define CAF_SUITE worker_secret
#include <caf/test/unit_test.hpp>

#include "actors/workers/worker_secret.hpp"

using namespace actorserve;

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
