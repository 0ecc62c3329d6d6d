#pragma once

#include <optional>
#include <string>
#include <vector>

#include "gateways/http/http_message.hpp"

namespace actorserve::http {

/// Who may send the HTTP gateway requests at all, checked before a request
/// reaches any route (or /healthz, or /stop).
struct request_guard_options {
  /// Host names the service answers to besides IP addresses, "localhost",
  /// this machine's name and the address it binds: a request for any other
  /// name is refused (a
  /// web page whose name was made to resolve to this host, DNS rebinding,
  /// names its own host).
  std::vector<std::string> allowed_hosts;
  /// Origins (scheme://host[:port]) whose pages may call the service. A
  /// request with any other Origin header is refused, so that a web page a
  /// browser shows cannot call routes or /stop; none by default. Requests
  /// without an Origin (curl, programs) are not affected.
  std::vector<std::string> allowed_origins;
};

/// The Host header's name part: "[::1]:80" → "::1", "a.example:80" →
/// "a.example" (lower-cased).
std::string host_name(const std::string& host_header);

/// Whether `name` is an IPv4 or IPv6 address (not a name).
bool is_ip_literal(const std::string& name);

/// Whether a connection's peer ("127.0.0.1:5000", "[::1]:5000", as the
/// listener writes the socket's address) is this machine's loopback:
/// 127.0.0.0/8, ::1, or an IPv4-mapped 127.x address.
bool is_loopback_peer(const std::string& peer);

/// Why `request` is refused (a 403 Forbidden's message), or nothing.
/// `bound_host` is the address the gateway listens on.
std::optional<std::string> refusal(const http_request& request,
                                   const request_guard_options& options,
                                   const std::string& bound_host);

} // namespace actorserve::http
