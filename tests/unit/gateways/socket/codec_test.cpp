#define CAF_SUITE codec
#include <caf/test/unit_test.hpp>

#include "gateways/socket/codec.hpp"

#include "actors/call_error.hpp"

using namespace actorserve;
using namespace actorserve::socket;

namespace {

std::string failure_of(std::function<void()> f) {
  try {
    f();
  } catch (const call_error& e) {
    return e.type() + ": " + e.what();
  }
  return "no error";
}

} // namespace

CAF_TEST(names round trip and unknown names are refused) {
  for (auto c : {codec::json, codec::utf8, codec::none})
    CAF_CHECK(codec_from_name(codec_name(c)) == c);
  CAF_CHECK(!codec_from_name("pickle"));
}

CAF_TEST(json round trips values and refuses what does not parse) {
  json value{{"x", 8}, {"list", {1, "two", nullptr}}, {"text", "héllo"}};
  CAF_CHECK_EQUAL(decode(encode(value, codec::json), codec::json), value);
  CAF_CHECK_EQUAL(encode(json(nullptr), codec::json), "null");
  CAF_CHECK_EQUAL(failure_of([] { decode("{\"x\": ", codec::json); }),
                  "BadRequest: the payload is not valid JSON");
  CAF_CHECK_EQUAL(failure_of([] { encode(json::binary({1, 2}), codec::json); }),
                  "BadRequest: raw bytes cannot be encoded as JSON; use the 'none' encoder");
}

CAF_TEST(utf8 carries strings and refuses invalid UTF-8) {
  CAF_CHECK_EQUAL(decode("abc é", codec::utf8), json("abc é"));
  CAF_CHECK_EQUAL(encode(json("abc"), codec::utf8), "abc");
  CAF_CHECK_EQUAL(failure_of([] { decode("\xff\xfe", codec::utf8); }),
                  "BadRequest: the payload is not valid UTF-8");
  CAF_CHECK_EQUAL(failure_of([] { encode(json(3), codec::utf8); }),
                  "BadRequest: the 'utf8' encoder takes a string, not number");
}

CAF_TEST(none carries raw bytes unchanged) {
  std::string bytes("\x00\x01\xff binary", 10);
  auto value = decode(bytes, codec::none);
  CAF_CHECK(value.is_binary());
  CAF_CHECK_EQUAL(encode(value, codec::none), bytes);
  CAF_CHECK_EQUAL(failure_of([] { encode(json("text"), codec::none); }),
                  "BadRequest: the 'none' encoder takes raw bytes, not string");
}

CAF_TEST(utf8 validation rejects overlong forms and surrogates) {
  CAF_CHECK(is_valid_utf8("plain"));
  CAF_CHECK(is_valid_utf8("\xe2\x82\xac"));       // €
  CAF_CHECK(is_valid_utf8("\xf0\x9f\x98\x80"));   // 😀
  CAF_CHECK(!is_valid_utf8("\xc0\xaf"));          // overlong '/'
  CAF_CHECK(!is_valid_utf8("\xed\xa0\x80"));      // surrogate
  CAF_CHECK(!is_valid_utf8("\xe2\x82"));          // cut short
}
