#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace actorserve::http {

/// One request as the access log records it, once its response is written.
struct access_entry {
  std::chrono::system_clock::time_point time; ///< when the request was read
  std::string peer;                           ///< "address:port"
  std::string method;                         ///< "-" for a request never parsed
  std::string target;
  unsigned version = 11; ///< 10 for HTTP/1.0
  unsigned status = 0;
  std::uint64_t body_bytes = 0; ///< the response body's size
  std::chrono::nanoseconds duration{0};
  std::string request_id;
};

/// The Common Log Format, then the request id and the duration:
///   127.0.0.1 - - [06/Dec/2026:02:13:32 +0000] "POST /double HTTP/1.1" 200 2
///   request_id=3f9c0a1be42d7c10-17 duration_ms=0.312
/// (one line). Quotes, backslashes and bytes outside printable ASCII in the
/// request line are written as \xHH, so a client cannot forge a line.
std::string common_log_line(const access_entry& e);

/// The same as one JSON object: time, remote, method, target, protocol,
/// status, bytes, duration_ms, request_id.
std::string json_log_line(const access_entry& e);

} // namespace actorserve::http
