#define CAF_SUITE join_protocol
#include <caf/test/unit_test.hpp>

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
