#define CAF_SUITE option_values
#include <caf/test/unit_test.hpp>

#include "apps/example/option_values.hpp"

using namespace actorserve;

CAF_TEST(seconds are parsed strictly) {
  CAF_CHECK_EQUAL(parse_seconds("t", "2.5"), 2.5);
  try {
    parse_seconds("t", "-1");
    CAF_FAIL("accepted -1");
  } catch (const usage_error& e) {
    CAF_CHECK_EQUAL(std::string(e.what()), "option --t takes a number of seconds, got '-1'");
  }
}

CAF_TEST(seconds are plain decimals without sign space or hexadecimal) {
  CAF_CHECK_EQUAL(parse_seconds("t", "1e3"), 1000.0);
  CAF_CHECK_EQUAL(parse_seconds("t", ".5"), 0.5);
  CAF_CHECK_EQUAL(parse_seconds("t", "2E-1"), 0.2);
  for (auto bad : {"0x10", " 5", "5 ", "+5", "inf", "nan", "1e", "", "5s"}) {
    std::string message;
    try {
      parse_seconds("t", bad);
    } catch (const std::exception& e) {
      message = e.what();
    }
    CAF_CHECK_EQUAL(message, std::string("option --t takes a number of seconds, got '") + bad
                               + "'");
  }
}

CAF_TEST(seconds are bounded so that milliseconds cannot overflow) {
  CAF_CHECK_EQUAL(parse_millis("t", "10000000").count(), 10000000000LL);
  CAF_CHECK_EQUAL(parse_millis("t", "0.0005").count(), 1);
  for (auto big : {"10000000.5", "1e300", "1e8"}) {
    try {
      parse_seconds("drain-timeout", big);
      CAF_FAIL("accepted " << big);
    } catch (const usage_error& e) {
      CAF_CHECK_EQUAL(std::string(e.what()), std::string("option --drain-timeout takes at most "
                                                         "10000000 seconds, got '")
                                               + big + "'");
    }
  }
}

CAF_TEST(counts are whole numbers within their range) {
  CAF_CHECK_EQUAL(parse_count("n", "1", 1, 10), 1u);
  CAF_CHECK_EQUAL(parse_count("n", "10", 1, 10), 10u);
  for (auto bad : {"0", "11", "-1", "+3", "1.5", "", " 2", "99999999999999999999"}) {
    try {
      parse_count("socket-backlog", bad, 1, 10);
      CAF_FAIL("accepted '" << bad << "'");
    } catch (const usage_error& e) {
      CAF_CHECK_EQUAL(std::string(e.what()),
                      std::string("option --socket-backlog takes a whole number from 1 to 10, "
                                  "got '")
                        + bad + "'");
    }
  }
}

CAF_TEST(booleans in their common spellings) {
  for (auto yes : {"true", "TRUE", "1", "yes", "on"})
    CAF_CHECK(parse_bool("f", yes));
  for (auto no : {"false", "0", "No", "off"})
    CAF_CHECK(!parse_bool("f", no));
  try {
    parse_bool("access-log", "maybe");
    CAF_FAIL("accepted maybe");
  } catch (const usage_error& e) {
    CAF_CHECK_EQUAL(std::string(e.what()), "option --access-log takes true or false, got 'maybe'");
  }
}

CAF_TEST(durations read back as they were) {
  using std::chrono::milliseconds;
  CAF_CHECK_EQUAL(seconds_text(milliseconds{30000}), "30");
  CAF_CHECK_EQUAL(seconds_text(milliseconds{250}), "0.25");
  CAF_CHECK_EQUAL(seconds_text(milliseconds{1001}), "1.001");
  CAF_CHECK_EQUAL(seconds_text(milliseconds{0}), "0");
  for (auto ms : {1, 10, 999, 1500, 86400000})
    CAF_CHECK_EQUAL(parse_millis("t", seconds_text(milliseconds{ms})).count(), ms);
}
