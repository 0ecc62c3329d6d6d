#define CAF_SUITE reply
#include <caf/test/unit_test.hpp>

#include "actors/reply.hpp"

#include <string>
#include <type_traits>

using namespace actorserve;

namespace {

reply failed() {
  return reply::failure("TypeError", std::string(64, 'm'));
}

reply answered_with_meta() {
  return reply{json(42)}.with_meta(json{{"status", 201}});
}

} // namespace

// Read from a temporary reply (a call's result used at once), the parts
// are values that outlive it, not references into it: a reference would
// dangle by the end of the statement, inside CAF_CHECK_EQUAL for one.
CAF_TEST(a temporary reply gives its parts by value) {
  static_assert(std::is_same_v<decltype(failed().error_type()), std::string>);
  static_assert(std::is_same_v<decltype(failed().error_message()), std::string>);
  static_assert(std::is_same_v<decltype(failed().value()), json>);
  static_assert(std::is_same_v<decltype(answered_with_meta().meta()), json>);
  CAF_CHECK_EQUAL(failed().error_type(), "TypeError");
  CAF_CHECK_EQUAL(failed().error_message(), std::string(64, 'm'));
  CAF_CHECK_EQUAL(answered_with_meta().meta(), (json{{"status", 201}}));
  CAF_CHECK_EQUAL(answered_with_meta().value(), json(42));
}

// A reply that lives on is read in place, without copies.
CAF_TEST(a named reply gives references into itself) {
  auto r = failed();
  static_assert(std::is_same_v<decltype(r.error_type()), const std::string&>);
  static_assert(std::is_same_v<decltype(r.error_message()), const std::string&>);
  static_assert(std::is_same_v<decltype(r.meta()), const json&>);
  CAF_CHECK_EQUAL(&r.error_type(), &r.error_type());
  CAF_CHECK_EQUAL(r.error_type(), "TypeError");
  CAF_CHECK(!r.ok());
  auto v = answered_with_meta();
  CAF_CHECK(v.ok());
  CAF_CHECK_EQUAL(v.error_type(), "");
  CAF_CHECK_EQUAL(v.error_message(), "");
}
