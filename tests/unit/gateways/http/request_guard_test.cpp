#define CAF_SUITE request_guard
#include <caf/test/unit_test.hpp>

#include "gateways/http/request_guard.hpp"

#include <unistd.h>

using namespace actorserve::http;

namespace {

http_request with(std::vector<std::pair<std::string, std::string>> headers) {
  http_request r;
  r.method = "POST";
  r.path = r.target = "/stop";
  r.headers = std::move(headers);
  return r;
}

bool refused(const http_request& r, const request_guard_options& o = {},
             const std::string& bound = "127.0.0.1") {
  return refusal(r, o, bound).has_value();
}

} // namespace

CAF_TEST(the host header gives its name without port or brackets) {
  CAF_CHECK_EQUAL(host_name("127.0.0.1:8000"), "127.0.0.1");
  CAF_CHECK_EQUAL(host_name("[::1]:8000"), "::1");
  CAF_CHECK_EQUAL(host_name("[::1]"), "::1");
  CAF_CHECK_EQUAL(host_name("::1"), "::1");
  CAF_CHECK_EQUAL(host_name("Svc.Example:80"), "svc.example");
  CAF_CHECK_EQUAL(host_name("localhost."), "localhost");
  CAF_CHECK(is_ip_literal("10.1.2.3"));
  CAF_CHECK(is_ip_literal("fe80::1"));
  CAF_CHECK(!is_ip_literal("1"));
  CAF_CHECK(!is_ip_literal("evil.example"));
  // At the edges of the shortcut that skips parsing names.
  CAF_CHECK(is_ip_literal("::"));
  CAF_CHECK(is_ip_literal("::ffff:1.2.3.4"));
  CAF_CHECK(!is_ip_literal("1.example"));
  CAF_CHECK(!is_ip_literal("1.2.3.4.5"));
  CAF_CHECK(!is_ip_literal(""));
  CAF_CHECK(!is_ip_literal("a:b"));
  CAF_CHECK_EQUAL(host_name("[::1"), "[::1"); // no closing bracket: kept whole
  CAF_CHECK_EQUAL(host_name("[FE80::1]."), "fe80::1");
  CAF_CHECK_EQUAL(host_name("Svc.Example.:8080"), "svc.example");
  CAF_CHECK_EQUAL(host_name(""), "");
}

CAF_TEST(requests for addresses localhost and allowed names pass) {
  request_guard_options o;
  o.allowed_hosts = {"Svc.Internal"};
  for (auto host : {"127.0.0.1:8000", "[::1]:8000", "10.0.0.7", "localhost:8000",
                    "svc.internal", "SVC.INTERNAL:9"})
    CAF_CHECK(!refused(with({{"Host", host}}), o));
  CAF_CHECK(!refused(with({}), o)); // HTTP/1.0 without Host
  CAF_CHECK(!refused(with({{"Host", "gw.local:80"}}), o, "gw.local")); // the bound name
  char name[256] = {};
  CAF_REQUIRE_EQUAL(::gethostname(name, sizeof name - 1), 0);
  CAF_CHECK(!refused(with({{"Host", name}}), o)); // this machine's name
}

CAF_TEST(requests for other names are refused as dns rebinding would send them) {
  auto why = refusal(with({{"host", "rebound.evil:8000"}}), {}, "127.0.0.1");
  CAF_REQUIRE(why);
  CAF_CHECK_EQUAL(*why, "this service does not answer to the host name 'rebound.evil' "
                        "(allow a name with --allowed-host)");
  CAF_CHECK(refused(with({{"Host", "localhost.evil"}})));
  // Names that start like an address are names.
  CAF_CHECK(refused(with({{"Host", "127.0.0.1.evil:8000"}})));
  CAF_CHECK(refused(with({{"Host", "1EVIL.example"}})));
  // The first Host header is the one read, as the guard always did.
  CAF_CHECK(refused(with({{"Host", "rebound.evil"}, {"Host", "127.0.0.1"}})));
  CAF_CHECK(!refused(with({{"Host", "127.0.0.1"}, {"Host", "rebound.evil"}})));
}

CAF_TEST(only allowed origins pass and none by default) {
  auto evil = with({{"Host", "127.0.0.1"}, {"Origin", "http://evil.example"}});
  auto why = refusal(evil, {}, "127.0.0.1");
  CAF_REQUIRE(why);
  CAF_CHECK_EQUAL(*why, "requests from web pages of http://evil.example are not allowed "
                        "(allow an origin with --allowed-origin)");
  CAF_CHECK(refused(with({{"Origin", "null"}})));
  request_guard_options o;
  o.allowed_origins = {"https://App.Example"};
  CAF_CHECK(!refused(with({{"origin", "https://app.example"}}), o));
  CAF_CHECK(refused(with({{"Origin", "https://app.example:8443"}}), o));
}

CAF_TEST(loopback peers are told apart from others) {
  for (std::string peer : {"127.0.0.1:5000", "127.9.8.7:1", "[::1]:5000",
                           "[::ffff:127.0.0.1]:80"})
    CAF_CHECK_EQUAL(peer + (is_loopback_peer(peer) ? " loopback" : " not"), peer + " loopback");
  for (std::string peer : {"10.0.0.1:5000", "128.0.0.1:1", "[::2]:5000",
                           "[::ffff:10.0.0.1]:80", "unknown", "", "127.0.0.1", "localhost:80",
                           "[fe80::1]:80"})
    CAF_CHECK_EQUAL(peer + (is_loopback_peer(peer) ? " loopback" : " not"), peer + " not");
}
