#define CAF_SUITE client_timeout
#include <caf/test/unit_test.hpp>

#include "gateways/client_timeout.hpp"

using namespace actorserve;
using namespace std::chrono_literals;

CAF_TEST(a decimal number of seconds above 0 is a timeout) {
  auto t = parse_client_timeout("0.25");
  CAF_REQUIRE(t.value.has_value());
  CAF_CHECK_EQUAL(t.value->count(), 250'000'000);
  CAF_CHECK(t.error.empty());
  CAF_CHECK_EQUAL(parse_client_timeout("2").value->count(), 2'000'000'000);
  CAF_CHECK_EQUAL(parse_client_timeout(".5").value->count(), 500'000'000);
  // Above 0 however small: a nanosecond, the least deadline, not 0 (the
  // HTTP fuzzer's find: 0.000000000000000000024 read as 0 ns).
  CAF_CHECK_EQUAL(parse_client_timeout("0.000000001").value->count(), 1);
  CAF_CHECK_EQUAL(parse_client_timeout("0.0000000009").value->count(), 1);
  CAF_CHECK_EQUAL(parse_client_timeout(".000000000000000000024").value->count(), 1);
  CAF_CHECK_EQUAL(client_timeout_of(json(1e-300)).value->count(), 1);
  CAF_CHECK_EQUAL(client_timeout_of(json(4.9e-324)).value->count(), 1);
}

CAF_TEST(anything else is refused with a reason) {
  for (auto bad : {"", "0", "0.0", "-1", "+1", "1e3", "1.2.3", ".", "soon", " 1", "inf", "nan"}) {
    auto t = parse_client_timeout(bad);
    CAF_CHECK(!t.value.has_value());
    CAF_CHECK(!t.error.empty());
  }
}

CAF_TEST(at most 32 characters are read) {
  std::string at_limit = "1." + std::string(30, '5'); // 32 characters
  CAF_CHECK(parse_client_timeout(at_limit).value.has_value());
  auto past = parse_client_timeout(at_limit + "5"); // 33
  CAF_CHECK(!past.value.has_value());
  // The message quotes at most 32 characters of what it got.
  CAF_CHECK_LESS(past.error.size(), 120u);
}

CAF_TEST(a timeout is held to a day and to the gateway timeout) {
  auto day = std::chrono::nanoseconds{86400s};
  CAF_CHECK_EQUAL(parse_client_timeout("86400").value->count(), day.count());
  CAF_CHECK_EQUAL(parse_client_timeout("99999999999999999999").value->count(), day.count());
  CAF_CHECK_EQUAL(client_timeout_of(json(1e300)).value->count(), day.count());
  CAF_CHECK_EQUAL(call_time(60s, parse_client_timeout("2")).count(), 2'000'000'000);
  CAF_CHECK_EQUAL(call_time(1s, parse_client_timeout("30")).count(), 1'000'000'000);
  CAF_CHECK_EQUAL(call_time(1s, client_timeout{}).count(), 1'000'000'000);
}

CAF_TEST(a json timeout is a positive number) {
  CAF_CHECK_EQUAL(client_timeout_of(json(0.5)).value->count(), 500'000'000);
  for (auto bad : {json(0), json(-1), json("1"), json(nullptr), json::array()})
    CAF_CHECK(!client_timeout_of(bad).value.has_value());
}
