#define CAF_SUITE json_wire
#define FAIL(msg) CAF_FAIL(msg)
#include <caf/test/dsl.hpp>

#include "actors/json_wire.hpp"

#include <cstdint>

using namespace actorserve;

namespace {

/// What nlohmann itself makes of `value` and of its bytes: the short path
/// for one-byte values must agree with it byte for byte and type for type.
void check_like_nlohmann(const json& value) {
  std::string expected;
  json::to_msgpack(value, expected);
  auto bytes = json_to_wire(value);
  CAF_CHECK_EQUAL(bytes, expected);
  json decoded;
  CAF_REQUIRE(json_from_wire(bytes, decoded));
  auto reference = json::from_msgpack(expected);
  CAF_CHECK_EQUAL(decoded, reference);
  CAF_CHECK(decoded.type() == reference.type());
}

} // namespace

CAF_TEST(small scalars travel in one byte and come back as nlohmann decodes them) {
  check_like_nlohmann(nullptr);
  check_like_nlohmann(true);
  check_like_nlohmann(false);
  for (std::int64_t n = -40; n <= 140; ++n)
    check_like_nlohmann(n);
  for (std::uint64_t n = 0; n <= 140; ++n)
    check_like_nlohmann(n);
  CAF_CHECK_EQUAL(json_to_wire(nullptr).size(), 1u);
  CAF_CHECK_EQUAL(json_to_wire(json(-32)).size(), 1u);
  CAF_CHECK_EQUAL(json_to_wire(json(127)).size(), 1u);
  // Past the edges, the longer forms nlohmann chooses.
  CAF_CHECK_EQUAL(json_to_wire(json(-33)).size(), 2u);
  CAF_CHECK_EQUAL(json_to_wire(json(128)).size(), 2u);
}

CAF_TEST(a discarded value travels as null) {
  CAF_CHECK_EQUAL(json_from_wire(json_to_wire(json(json::value_t::discarded))), json(nullptr));
}

CAF_TEST(larger values take the general path both ways) {
  json value{{"x", 21}, {"list", {1, 2.5, "three", nullptr}}, {"raw", json::binary({0, 255})}};
  check_like_nlohmann(value);
  check_like_nlohmann(2.5);
  check_like_nlohmann("s");
  check_like_nlohmann(json::array());
}

CAF_TEST(a lone byte that is no whole value is refused) {
  json out;
  for (int b : {0xc1, 0xcc, 0xd0, 0xd9, 0xdc, 0x90 + 1, 0x80 + 1, 0xa0 + 1}) {
    CAF_CHECK(!json_from_wire(std::string(1, static_cast<char>(b)), out));
    CAF_CHECK(out.is_discarded());
  }
  // An empty fixarray, fixmap and fixstr are whole values.
  CAF_CHECK(json_from_wire(std::string(1, static_cast<char>(0x90)), out));
  CAF_CHECK_EQUAL(out, json::array());
  CAF_CHECK(json_from_wire(std::string(1, static_cast<char>(0xa0)), out));
  CAF_CHECK_EQUAL(out, "");
}
