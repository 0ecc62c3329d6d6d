#pragma once

// A small keep-alive HTTP/1.1 load client for `actorserve-client bench`.
// Boost.Beast stays in http_bench_client.cpp (it costs 12-18 s of compile
// time per file that includes it); this header is free of it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "actors/call_error.hpp"

namespace actorserve::client {

/// Where an HTTP service is: `http://HOST[:PORT][/PREFIX]`.
struct http_url {
  std::string host; ///< a name or an address; IPv6 without its brackets
  std::uint16_t port = 80;
  std::string prefix; ///< prepended to every route path; no trailing '/'
  std::string host_header; ///< HOST[:PORT] as the URL wrote it
};

/// Parses `url`; throws std::invalid_argument naming it and what is wrong
/// (not http://, no host, a bad port, a query or fragment).
http_url parse_http_url(const std::string& url);

/// A connection could not be opened (the message says where and why).
class http_connect_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// One call's outcome on one connection.
struct http_answer {
  /// The response's status; 0 when none came (then `failure` is set).
  unsigned status = 0;
  std::string body;
  /// Timeout (no whole response within the call's timeout) or
  /// ConnectionLost (the connection broke under the call).
  std::optional<call_error> failure;
  /// The connection broke and could not be opened again: the service is
  /// gone. The connection stops after this answer, whatever on_answer says.
  bool unreachable = false;
  /// From the first byte sent (or from reconnecting, when the connection
  /// had been closed) to the last byte of the response read.
  std::chrono::nanoseconds latency{0};
};

struct http_load_options {
  /// Connections, each with one call in flight at a time.
  std::size_t connections = 1;
  /// How long to keep retrying each first connection while the service
  /// refuses it (it may be coming up); later reconnections try once, for at
  /// most this long.
  std::chrono::milliseconds connect_timeout{std::chrono::seconds{10}};
  /// The longest response accepted.
  std::size_t max_body = 64 * 1024 * 1024;
};

/// Opens `connections` keep-alive connections to a service and keeps one
/// POST in flight on each, all driven by one thread (Asio; one thread keeps
/// thousands of connections busy and leaves the other cores to the service
/// when both share a machine). A response with `Connection: close`, or a
/// broken connection, makes the connection reopen before its next call.
class http_bench_client {
public:
  /// Resolves and connects every connection; throws http_connect_error.
  http_bench_client(const http_url& url, const http_load_options& options);
  ~http_bench_client();

  http_bench_client(const http_bench_client&) = delete;
  http_bench_client& operator=(const http_bench_client&) = delete;

  /// POSTs `body` (as application/json; empty: no body) to `target` on
  /// every connection, again each time an answer comes, and hands each
  /// answer to `on_answer`, on the calling thread. A connection stops when
  /// `on_answer` returns false. Returns once every connection stopped.
  /// Call it once.
  void run(const std::string& target, const std::string& body, std::chrono::milliseconds timeout,
           const std::function<bool(const http_answer&)>& on_answer);

  class impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace actorserve::client
