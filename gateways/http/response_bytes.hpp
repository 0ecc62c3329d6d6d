#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "gateways/http/http_message.hpp"

namespace actorserve::http {

/// A response as it goes on the wire, but for the Connection header: that
/// one is decided when the response is written (a connection that closes
/// says so on its last response only).
struct response_bytes {
  /// The status line and headers, each ending in CRLF, without the blank
  /// line that ends the header.
  std::string head;
  /// The body; empty for HEAD and for 204 and 304.
  std::string body;
  unsigned status = 200;
};

/// A response the HTTP gateway cannot write as asked: a status outside
/// 200-999, a header name that is not a token, a value with a control
/// character (CR and LF would let a route's value forge headers), a name or
/// value past its limit, or a body on a 204 or 304.
class bad_response : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The longest header value (and Content-Type) a route may answer.
constexpr std::size_t max_header_value = 16 * 1024;
/// The longest header name a route may answer.
constexpr std::size_t max_header_name = 256;

/// `r` as bytes for an HTTP/1.0 (`version` 10) or 1.1 response, with Server,
/// Content-Type, the route's headers, X-Request-Id and Content-Length. The
/// gateway frames the body itself: a route's Content-Length,
/// Transfer-Encoding, Connection, Keep-Alive and X-Request-Id headers are
/// left out; its Server and Content-Type replace the gateway's; its other
/// headers are written as given, each one, in order. For HEAD
/// (`head_request`) the head is a GET's, without the body. Throws
/// bad_response.
response_bytes to_response_bytes(http_response&& r, unsigned version,
                                 std::string_view request_id, bool head_request);

/// What ends a head as written: the Connection header HTTP/1.0 or 1.1
/// needs to keep the connection open (1.0) or close it (1.1), and the
/// blank line.
std::string_view end_of_head(unsigned version, bool keep_alive);

} // namespace actorserve::http
