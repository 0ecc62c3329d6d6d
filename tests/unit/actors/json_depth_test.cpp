#define CAF_SUITE json_depth
#include <caf/test/unit_test.hpp>

#include "actors/json_depth.hpp"

#include <string>

#include "actors/json.hpp"
#include "actors/json_wire.hpp"

using namespace actorserve;

namespace {

std::string nested_text(std::size_t levels) {
  return std::string(levels, '[') + "1" + std::string(levels, ']');
}

/// `levels` arrays of one element each, around nil.
std::string nested_msgpack(std::size_t levels) {
  return std::string(levels, '\x91') + '\xc0';
}

} // namespace

CAF_TEST(json text depth counts arrays and objects but not strings) {
  CAF_CHECK_EQUAL(json_text_depth("1", 10), 0u);
  CAF_CHECK_EQUAL(json_text_depth("[1,[2],{\"a\":[3]}]", 10), 3u);
  CAF_CHECK_EQUAL(json_text_depth(R"(["[[[[", "\"[[[", {"k]]": "{{"}])", 10), 2u);
  CAF_CHECK_EQUAL(json_text_depth(nested_text(128), 128), 128u);
  CAF_CHECK_EQUAL(json_text_depth(nested_text(129), 128), 129u);
}

CAF_TEST(json text depth stops at the limit whatever the size) {
  // 100,000 levels (200 KB), the body that used to end the process.
  CAF_CHECK_EQUAL(json_text_depth(nested_text(100000), 128), 129u);
  // Unbalanced text gets a depth too; the parser refuses it later.
  CAF_CHECK_EQUAL(json_text_depth("]]]][[", 10), 2u);
}

CAF_TEST(msgpack depth counts containers and checks declared counts) {
  CAF_CHECK_EQUAL(msgpack_depth("\xc0", 10).value_or(999), 0u);
  CAF_CHECK_EQUAL(msgpack_depth(nested_msgpack(128), 128).value_or(999), 128u);
  CAF_CHECK_EQUAL(msgpack_depth(nested_msgpack(129), 128).value_or(999), 129u);
  CAF_CHECK_EQUAL(msgpack_depth(nested_msgpack(100000), 128).value_or(999), 129u);
  // Values of every kind that nlohmann writes decode to their real depth.
  json value{{"a", {1, -1, 300, -300, 70000, 5000000000, 1.5, true, nullptr, "text"}},
             {"b", json::binary({1, 2, 3})},
             {"c", json::object({{"d", json::array({json::array()})}})}};
  std::string bytes;
  json::to_msgpack(value, bytes);
  CAF_CHECK_EQUAL(msgpack_depth(bytes, 10).value_or(999), 4u);
}

CAF_TEST(msgpack that ends early or lies about its counts is refused) {
  CAF_CHECK(!msgpack_depth("", 10));
  CAF_CHECK(!msgpack_depth("\x92\xc0", 10));            // two items, one there
  CAF_CHECK(!msgpack_depth("\xdd\xff\xff\xff\xff", 10)); // 4 billion items, no bytes
  CAF_CHECK(!msgpack_depth("\xdb\xff\xff\xff\xff", 10)); // a 4 GiB string, no bytes
  CAF_CHECK(!msgpack_depth("\xc1", 10));                // never used
  CAF_CHECK(!msgpack_depth("\xcb\x00\x00", 10));         // a float64 cut short
}

CAF_TEST(values from another process deeper than the limit are damaged) {
  auto limit = wire_max_depth();
  CAF_CHECK_EQUAL(limit, default_max_depth);
  json ok;
  CAF_CHECK(json_from_wire(json_to_wire(json::parse(nested_text(128))), ok));
  CAF_CHECK_EQUAL(json_text_depth(json_text(ok), 200), 128u);
  json deep;
  CAF_CHECK(!json_from_wire(json_to_wire(json::parse(nested_text(129))), deep));
  CAF_CHECK(deep.is_discarded());
  CAF_CHECK(!json_from_wire(nested_msgpack(100000), deep));
  set_wire_max_depth(200);
  CAF_CHECK(json_from_wire(json_to_wire(json::parse(nested_text(129))), deep));
  set_wire_max_depth(limit);
}
