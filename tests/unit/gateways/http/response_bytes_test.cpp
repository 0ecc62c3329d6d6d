#define CAF_SUITE response_bytes
#include <caf/test/unit_test.hpp>

#include "gateways/http/response_bytes.hpp"

using namespace actorserve;
using namespace actorserve::http;

namespace {

http_response json_body(std::string body, unsigned status = 200) {
  http_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

bool refused(http_response r) {
  try {
    to_response_bytes(std::move(r), 11, "id-1", false);
    return false;
  } catch (const bad_response&) {
    return true;
  }
}

} // namespace

CAF_TEST(a JSON response has the gateway headers and its length) {
  auto out = to_response_bytes(json_body("{\"y\":42}"), 11, "id-1", false);
  CAF_CHECK_EQUAL(out.head, "HTTP/1.1 200 OK\r\nServer: actorserve\r\n"
                            "Content-Type: application/json\r\nX-Request-Id: id-1\r\n"
                            "Content-Length: 8\r\n");
  CAF_CHECK_EQUAL(out.body, "{\"y\":42}");
  CAF_CHECK_EQUAL(out.status, 200u);
  auto old = to_response_bytes(json_body("1", 404), 10, "id-2", false);
  CAF_CHECK_EQUAL(old.head.substr(0, 24), "HTTP/1.0 404 Not Found\r\n");
}

CAF_TEST(the route headers are written but the gateway does the framing) {
  auto r = json_body("1", 201);
  r.content_type = "text/plain";
  r.headers = {{"Location", "/things/1"},   {"content-length", "99"},
               {"Transfer-Encoding", "chunked"}, {"Connection", "close"},
               {"Keep-Alive", "timeout=1"}, {"X-Request-Id", "forged"},
               {"server", "mine"},           {"X-Trace", "  padded\t "}};
  auto out = to_response_bytes(std::move(r), 11, "id-1", false);
  CAF_CHECK_EQUAL(out.head, "HTTP/1.1 201 Created\r\nServer: mine\r\nContent-Type: text/plain\r\n"
                            "Location: /things/1\r\nX-Trace: padded\r\nX-Request-Id: id-1\r\n"
                            "Content-Length: 1\r\n");
}

CAF_TEST(a header that would forge others is refused) {
  auto with = [](std::string name, std::string value) {
    auto r = json_body("1");
    r.headers = {{std::move(name), std::move(value)}};
    return r;
  };
  CAF_CHECK(refused(with("X-A", "1\r\nSet-Cookie: x=1")));
  CAF_CHECK(refused(with("X-A", "1\nX-B: 2")));
  CAF_CHECK(refused(with("X-A", std::string("a\0b", 3))));
  CAF_CHECK(refused(with("X-A", "bell\x07")));
  CAF_CHECK(refused(with("X A", "1")));
  CAF_CHECK(refused(with("X-A:", "1")));
  CAF_CHECK(refused(with("", "1")));
  CAF_CHECK(refused(with(std::string(max_header_name + 1, 'a'), "1")));
  CAF_CHECK(!refused(with(std::string(max_header_name, 'a'), "1")));
  CAF_CHECK(!refused(with("X-A", "tab\there")));
  auto type = json_body("1");
  type.content_type = "text/plain\r\nX-Evil: 1";
  CAF_CHECK(refused(std::move(type)));
}

CAF_TEST(a header value is limited at and past the edge) {
  auto with = [](std::size_t n) {
    auto r = json_body("1");
    r.headers = {{"X-Big", std::string(n, 'v')}};
    return r;
  };
  CAF_CHECK(!refused(with(max_header_value)));
  CAF_CHECK(refused(with(max_header_value + 1)));
}

CAF_TEST(statuses without a body and statuses that cannot be final) {
  auto none = to_response_bytes(json_body("", 204), 11, "id-1", false);
  CAF_CHECK_EQUAL(none.head, "HTTP/1.1 204 No Content\r\nServer: actorserve\r\n"
                             "Content-Type: application/json\r\nX-Request-Id: id-1\r\n");
  CAF_CHECK(none.body.empty());
  CAF_CHECK(refused(json_body("x", 204)));
  CAF_CHECK(refused(json_body("x", 304)));
  CAF_CHECK(refused(json_body("", 101)));
  CAF_CHECK(refused(json_body("", 199)));
  CAF_CHECK(refused(json_body("", 1000)));
  auto odd = to_response_bytes(json_body("", 999), 11, "id-1", false);
  CAF_CHECK_EQUAL(odd.head.substr(0, odd.head.find("\r\n")), "HTTP/1.1 999 <unknown-status>");
}

CAF_TEST(the end of the head keeps or closes the connection as each version needs) {
  CAF_CHECK_EQUAL(end_of_head(11, true), "\r\n");
  CAF_CHECK_EQUAL(end_of_head(11, false), "Connection: close\r\n\r\n");
  CAF_CHECK_EQUAL(end_of_head(10, true), "Connection: keep-alive\r\n\r\n");
  CAF_CHECK_EQUAL(end_of_head(10, false), "\r\n");
}

CAF_TEST(HEAD has the length a GET has without the body) {
  auto head = to_response_bytes(json_body("[1,2,3]"), 11, "id-1", true);
  auto get = to_response_bytes(json_body("[1,2,3]"), 11, "id-1", false);
  CAF_CHECK_EQUAL(head.head, get.head);
  CAF_CHECK(head.head.find("Content-Length: 7\r\n") != std::string::npos);
  CAF_CHECK(head.body.empty());
  CAF_CHECK_EQUAL(get.body, "[1,2,3]");
}
