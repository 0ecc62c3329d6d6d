#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "actors/cancel_token.hpp"

namespace actorserve::http {

/// A request as the HTTP gateway hands it on: free of Beast and CAF, so the
/// code that turns requests into calls compiles without either.
struct http_request {
  std::string method; ///< "GET", "POST", ...
  std::string target; ///< as sent: "/double?x=1"
  std::string path;   ///< the target without its query: "/double"
  std::string query;  ///< after '?', without it; empty when none
  unsigned version = 11; ///< 10 for HTTP/1.0, 11 for HTTP/1.1
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string peer; ///< "address:port" of the client
  /// The client's X-Request-Id when acceptable_request_id allows it,
  /// otherwise a new one; the response carries it back.
  std::string request_id;
  /// Cancelled when the client leaves (closes its connection) before the
  /// response is written: its call, if still waiting, is then dropped.
  std::shared_ptr<cancel_token> cancel;
};

/// The address part of a peer's "address:port" as http_request::peer
/// holds it: "127.0.0.1:5000" → "127.0.0.1", "[::1]:5000" → "::1"; empty
/// for text without a port.
inline std::string peer_address(const std::string& peer) {
  auto colon = peer.rfind(':');
  if (colon == std::string::npos)
    return {};
  auto host = peer.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return host;
}

/// A response to write back.
struct http_response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  /// Extra headers (Retry-After, Location, ...).
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Makes a request's response; the HTTP gateway runs it on the connection's
/// I/O thread, so turning a reply into bytes costs no runtime thread.
using response_maker = std::function<http_response()>;

/// Hands a request's response over: call it once, from any thread.
using responder = std::function<void(response_maker)>;

/// A response made already (it is handed over once).
inline response_maker made(http_response r) {
  return [r = std::move(r)]() mutable { return std::move(r); };
}

} // namespace actorserve::http
