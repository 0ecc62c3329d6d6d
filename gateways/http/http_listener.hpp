#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "actors/metrics.hpp"

#include "gateways/http/access_log.hpp"
#include "gateways/http/http_message.hpp"

namespace actorserve::http {

/// The limits an HTTP connection is held to.
struct http_limits {
  /// The request line and headers together; past it: 431.
  std::size_t header_limit = 16 * 1024;
  /// The request body; past it: 413.
  std::size_t body_limit = 1024 * 1024;
  /// From a connection going idle (nothing in flight) until the next
  /// request's header is complete; past it the connection is closed. This
  /// is the keep-alive timeout, and it cuts off a header that trickles in.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds{5}};
  /// From a request's header until its whole body arrived; past it the
  /// connection is closed (a body that trickles in).
  std::chrono::milliseconds body_timeout{std::chrono::seconds{10}};
  /// Open connections; one more is answered 503 and closed.
  std::size_t max_connections = 1024;
  /// Requests read ahead on one connection while earlier ones are answered
  /// (pipelining); at the limit, reading pauses.
  std::size_t pipeline_limit = 16;
  /// A response must be written within this long; a client that does not
  /// read it is cut off.
  std::chrono::milliseconds write_timeout{std::chrono::seconds{10}};
  /// Bytes of responses made but not yet written that one connection may
  /// hold; past it, reading that connection pauses until they are written.
  std::size_t max_queued_bytes = 4 * 1024 * 1024;
};

struct listener_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8000;
  int backlog = 128;
  http_limits limits;
  /// I/O threads.
  std::size_t threads = 1;
  /// Each request, once its response is written, goes here when set.
  std::function<void(const access_entry&)> access_log;
  /// Set to the connections open, if given.
  metrics::gauge* connections = nullptr;
};

/// Answers one request: call `respond` once, from any thread.
using request_handler = std::function<void(http_request&&, responder respond)>;

/// Accepts HTTP/1.0 and 1.1 connections and hands each request to a
/// handler; writes the responses in request order. This is the one place
/// that knows Beast.
class http_listener {
public:
  /// Binds and listens; throws std::runtime_error naming the address.
  http_listener(listener_options options, request_handler handler);

  /// Stops and waits for the I/O threads.
  ~http_listener();

  http_listener(const http_listener&) = delete;
  http_listener& operator=(const http_listener&) = delete;

  /// Starts the I/O threads; once (throws std::logic_error after).
  void start();

  /// "host:port" with the real port.
  std::string endpoint() const;

  /// Stops accepting; keeps serving open connections. Once no request is in
  /// flight and every response is written, calls `drained` (once). Idle
  /// connections are closed; a connection closes after its next response.
  void begin_drain(std::function<void()> drained);

  /// Closes everything; the I/O threads end.
  void stop();

  class impl;

private:
  std::shared_ptr<impl> impl_;
};

} // namespace actorserve::http
