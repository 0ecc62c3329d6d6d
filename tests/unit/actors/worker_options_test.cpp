#define CAF_SUITE worker_options
#include <caf/test/unit_test.hpp>

#include "actors/worker_options.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "tests/unit/throws.hpp"

using namespace actorserve;
using namespace std::chrono_literals;

using actorserve::testing::throws;

namespace {

/// What check() says of `o`, or "" when it accepts it.
std::string refusal(const worker_options& o) {
  try {
    o.check();
    return "";
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
}

worker_options with_workers(std::size_t n) {
  worker_options o;
  o.workers = n;
  return o;
}

} // namespace

CAF_TEST(a secret shorter than the minimum is refused) {
  check_secret(std::string(16, 'x'), "test"); // accepted: no throw
  try {
    check_secret(std::string(15, 'x'), "test");
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
  CAF_CHECK_EQUAL(read_secret_file(path), "0123456789abcdef0123");
  {
    std::ofstream out{path};
    out << "short\n";
  }
  CAF_CHECK(throws<std::invalid_argument>([&] { read_secret_file(path); }));
  std::remove(path.c_str());
  CAF_CHECK(throws<std::runtime_error>([&] { read_secret_file(path); }));
}

CAF_TEST(the defaults run every route in this process and pass) {
  CAF_CHECK_EQUAL(refusal(worker_options{}), "");
  CAF_CHECK(!worker_options{}.links_nodes());
  CAF_CHECK(with_workers(2).links_nodes());
  worker_options joinable;
  joinable.node_port = 0;
  CAF_CHECK(joinable.links_nodes());
}

CAF_TEST(workers are counted up to the most one supervisor starts) {
  CAF_CHECK_EQUAL(refusal(with_workers(max_workers)), "");
  CAF_CHECK_EQUAL(refusal(with_workers(max_workers + 1)),
                  "workers = 1025 is more than one supervisor starts (1024)");
}

CAF_TEST(tls needs a certificate a key and a ca file) {
  auto o = with_workers(2);
  o.tls.certificate = "node.pem";
  CAF_CHECK_EQUAL(refusal(o), "TLS needs all three of a certificate, a key and a CA file "
                              "(--tls-certificate, --tls-key, --tls-ca)");
  o.tls.key = "node.key";
  CAF_CHECK(!refusal(o).empty());
  o.tls.ca_file = "ca.pem";
  o.secret = std::string(16, 'x');
  o.node_port = 0;
  CAF_CHECK_EQUAL(refusal(o), "");
  worker_options key_alone = with_workers(2);
  key_alone.tls.key = "node.key";
  CAF_CHECK(!refusal(key_alone).empty());
}

CAF_TEST(tls without a worker port or a join is refused) {
  const char* why = "TLS secures the worker port and the workers that join it: it takes "
                    "effect only with a node port or a join (--node-port, --join)";
  worker_options o;
  o.tls = {"node.pem", "node.key", "ca.pem", ""};
  CAF_CHECK_EQUAL(refusal(o), why);
  // The supervisor's own workers link over socket pairs: nothing to secure.
  auto own = with_workers(2);
  own.tls = o.tls;
  CAF_CHECK_EQUAL(refusal(own), why);
}

CAF_TEST(the heartbeat timeout must be longer than its interval) {
  auto o = with_workers(2);
  o.heartbeat_interval = 1s;
  o.heartbeat_timeout = 1s;
  CAF_CHECK_EQUAL(refusal(o), "the heartbeat timeout (1000 ms) must be longer than the "
                              "heartbeat interval (1000 ms), which must be above 0");
  o.heartbeat_timeout = 1001ms;
  CAF_CHECK_EQUAL(refusal(o), "");
  o.heartbeat_interval = 0s;
  CAF_CHECK(!refusal(o).empty());
  // Without workers there are no heartbeats to check.
  worker_options alone;
  alone.heartbeat_timeout = 0s;
  CAF_CHECK_EQUAL(refusal(alone), "");
}

CAF_TEST(a restart policy that cannot be followed is refused) {
  auto o = with_workers(2);
  o.restarts.max_restarts_per_minute = -1;
  CAF_CHECK(!refusal(o).empty());
  o.restarts.max_restarts_per_minute = 0; // never restart: allowed
  CAF_CHECK_EQUAL(refusal(o), "");
  o.restarts.initial_backoff = 10s;
  o.restarts.max_backoff = 5s;
  CAF_CHECK(!refusal(o).empty());
}

CAF_TEST(workers joining from other hosts need a secret of the minimum length) {
  worker_options o = with_workers(0);
  CAF_CHECK_EQUAL(refusal(o), "workers = 0 serves only workers that join from elsewhere; "
                              "give the node a port for them (node_port)");
  o.node_port = 0;
  CAF_CHECK_EQUAL(refusal(o), "workers that join from other hosts need the service's "
                              "shared secret: give one (a secret file or ACTORSERVE_SECRET)");
  o.secret = std::string(15, 'x');
  CAF_CHECK_EQUAL(refusal(o), "the shared secret from the supervisor's options has 15 "
                              "characters; it needs at least 16");
  o.secret = std::string(16, 'x');
  CAF_CHECK_EQUAL(refusal(o), "");
  worker_options worker;
  worker.join = join_options{"127.0.0.1", 4000, "short", -1, nullptr, 30s};
  CAF_CHECK_EQUAL(refusal(worker), "the shared secret from the worker's options has 5 "
                                   "characters; it needs at least 16");
}
