#define CAF_SUITE port_number
#include <caf/test/unit_test.hpp>

#include <stdexcept>
#include <string>

#include "actors/port_number.hpp"

using namespace actorserve;

namespace {

std::string refusal(const std::string& text) {
  try {
    port_number(text, "the port");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

} // namespace

CAF_TEST(ports from 0 to 65535 are taken) {
  CAF_CHECK_EQUAL(port_number("0", "p"), 0);
  CAF_CHECK_EQUAL(port_number("8080", "p"), 8080);
  CAF_CHECK_EQUAL(port_number("08080", "p"), 8080);
  CAF_CHECK_EQUAL(port_number("65535", "p"), 65535);
}

CAF_TEST(anything else is refused with what was given) {
  CAF_CHECK_EQUAL(refusal("65536"), "the port must be a number from 0 to 65535; got '65536'");
  CAF_CHECK_EQUAL(refusal("abc"), "the port must be a number from 0 to 65535; got 'abc'");
  for (auto bad : {"", "-1", "+80", " 80", "80 ", "8o", "123456", "0x50", "99999999999999999999"})
    CAF_CHECK_NOT_EQUAL(refusal(bad), "");
  // A long text is cut in the message.
  CAF_CHECK_EQUAL(refusal(std::string(1000, '9')).size(),
                  std::string("the port must be a number from 0 to 65535; got ''").size() + 64);
}
