#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "actors/call_error.hpp"
#include "actors/json.hpp"
#include "actors/json_depth.hpp"

namespace actorserve::socket {

/// The most connections one socket_client opens: each is a socket and a
/// thread that reads it.
inline constexpr std::size_t max_client_connections = 1024;

/// Where a socket_client connects and how much it keeps in flight.
struct client_options {
  /// A Unix socket path; when empty, TCP at host:port.
  std::string path;
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  /// Connections opened at start, 1 to max_client_connections; requests go
  /// to the one with the fewest in flight.
  std::size_t num_connections = 4;
  /// How long to keep retrying while the service comes up.
  std::chrono::milliseconds connection_timeout{std::chrono::seconds{60}};
  /// Requests in flight at once, over all connections.
  std::size_t backlog = 1024;
  /// The largest response payload accepted.
  std::size_t max_frame = 64 * 1024 * 1024;
  /// The deepest nesting of arrays and objects a response may have.
  std::size_t max_depth = default_max_depth;
};

/// The client could not connect (the message says where it tried, for how
/// long, and why).
class connection_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// One result of socket_client::stream, in input order.
struct stream_result {
  json x;
  json y;
  /// Set when the call failed (then y is null).
  std::optional<call_error> error;
};

struct stream_options {
  /// Hand each result with its input (stream_result::x); otherwise x is null.
  bool return_x = false;
  /// Hand an error over as a result; otherwise stream throws it, after the
  /// results before it.
  bool return_exceptions = false;
  std::chrono::milliseconds enqueue_timeout{std::chrono::seconds{60}};
  /// Counted from when each input was sent.
  std::chrono::milliseconds response_timeout{std::chrono::seconds{60}};
};

/// A client of the socket gateway. Connects every connection at start
/// (retrying until `connection_timeout`), then is safe to use from any
/// number of threads. Errors are call_error: the service's own (type and
/// message as it sent them), Timeout, or ConnectionLost.
class socket_client {
public:
  explicit socket_client(client_options options);

  /// close() with its default bound.
  ~socket_client();

  socket_client(const socket_client&) = delete;
  socket_client& operator=(const socket_client&) = delete;

  /// Calls a route and returns its value. `response_timeout` of zero sends
  /// without waiting and returns null (fire and forget); none waits forever.
  json request(const std::string& path, const json& data = nullptr,
               std::optional<std::chrono::milliseconds> enqueue_timeout = std::nullopt,
               std::optional<std::chrono::milliseconds> response_timeout = std::nullopt);

  /// Sends a request; the future holds the value or the call_error. Waits
  /// up to `enqueue_timeout` for room in the backlog (Timeout after).
  std::future<json> submit(const std::string& path, const json& data = nullptr,
                           std::optional<std::chrono::milliseconds> enqueue_timeout
                           = std::nullopt);

  /// Calls a route for every input `next_input` gives (until it gives
  /// nothing), up to `backlog` in flight over every connection, and hands
  /// each result to `on_result` in input order.
  void stream(const std::string& path, const std::function<std::optional<json>()>& next_input,
              const std::function<void(stream_result&&)>& on_result,
              const stream_options& options = {});

  /// The same over a vector; returns the results in input order.
  std::vector<stream_result> stream(const std::string& path, const std::vector<json>& inputs,
                                    const stream_options& options = {});

  /// Refuses new requests, waits up to `timeout` for those in flight, then
  /// closes every connection; what is still in flight fails ConnectionLost.
  /// Call it (or destroy the client) once no other thread uses the client.
  void close(std::chrono::milliseconds timeout = std::chrono::seconds{60});

  class impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace actorserve::socket
