#define CAF_SUITE record
#include <caf/test/unit_test.hpp>

#include "gateways/socket/record.hpp"

using namespace actorserve::socket;

namespace {

record_limits small() {
  record_limits limits;
  limits.max_frame = 100;
  return limits;
}

std::string error_of(std::string_view line) {
  auto r = parse_header(line, small());
  return r.header ? "accepted" : r.id + ": " + r.error;
}

} // namespace

CAF_TEST(a header has an id and a length and an encoder) {
  auto r = parse_header("req-7 14 json", small());
  CAF_REQUIRE(r.header);
  CAF_CHECK_EQUAL(r.header->id, "req-7");
  CAF_CHECK_EQUAL(r.header->length, 14u);
  CAF_CHECK_EQUAL(r.header->encoder, "json");
  CAF_CHECK(parse_header("1 0 none", small()).header);
  CAF_CHECK(parse_header("1 100 utf8", small()).header); // at the frame limit
  CAF_CHECK(parse_header("- 5 error", small()).header);
}

CAF_TEST(malformed headers say what is wrong and keep the id when read) {
  auto three = "-: a record header is '<id> <length> <encoder>' (three fields separated "
               "by single spaces, ending in a newline)";
  CAF_CHECK_EQUAL(error_of("1 2"), three);
  CAF_CHECK_EQUAL(error_of("1 2 json x"), three);
  CAF_CHECK_EQUAL(error_of("1  2 json"), three);
  CAF_CHECK_EQUAL(error_of("1 x json"), "1: payload length 'x' is not a decimal number");
  CAF_CHECK_EQUAL(error_of("1 -5 json"), "1: payload length '-5' is not a decimal number");
  CAF_CHECK_EQUAL(error_of("1 101 json"),
                  "1: payload length 101 exceeds the frame limit of 100 bytes");
  CAF_CHECK_EQUAL(error_of("1 99999999999999999999999 json"),
                  "1: payload length 99999999999999999999999 exceeds the frame limit of 100 bytes");
  CAF_CHECK_EQUAL(error_of("1 2 xml"),
                  "1: unknown encoder 'xml' (known: json, pickle, utf8, none, error)");
  CAF_CHECK_EQUAL(error_of(std::string(65, 'a') + " 2 json"),
                  "-: a request id is 1 to 64 printable ASCII characters without spaces");
}

CAF_TEST(ids are printable ASCII of 1 to 64 characters) {
  CAF_CHECK(is_valid_id("a"));
  CAF_CHECK(is_valid_id(std::string(64, 'x')));
  CAF_CHECK(!is_valid_id(""));
  CAF_CHECK(!is_valid_id(std::string(65, 'x')));
  CAF_CHECK(!is_valid_id("tab\there"));
  CAF_CHECK(!is_valid_id("caf\xc3\xa9"));
}

CAF_TEST(records are written as header and payload) {
  std::string out;
  append_record(out, "7", "json", "[\"/double\",21]");
  append_record(out, "8", "none", std::string("\0\1", 2));
  CAF_CHECK_EQUAL(out, std::string("7 14 json\n[\"/double\",21]8 2 none\n\0\1", 35));
}
