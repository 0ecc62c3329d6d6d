#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "actors/json_depth.hpp"

namespace actorserve {
class node;
} // namespace actorserve

namespace actorserve::fifo {

struct fifo_options {
  /// The pipe pair: the gateway reads `path.1` and writes `path.2`.
  std::string path;
  /// Leave the FIFO files in place when the gateway stops.
  bool keep_files = false;
  /// The largest message read; a longer one is dropped and answered with an
  /// error.
  std::size_t max_message = 64 * 1024 * 1024;
  /// Calls in flight (read, not yet answered and written) at once; at the
  /// limit the gateway stops reading until a reply is written, so a peer
  /// that does not read its replies holds back only itself.
  std::size_t max_in_flight = 256;
  /// Bytes of the messages of those calls; past it, reading stops likewise
  /// (it always holds one message of max_message).
  std::size_t max_in_flight_bytes = 64 * 1024 * 1024;
  /// The deepest nesting of arrays and objects a message may have.
  std::size_t max_depth = default_max_depth;
  /// Each call's deadline, from when its message was read.
  std::chrono::milliseconds call_timeout{std::chrono::seconds{60}};
  /// A request to this path answers {"ok": null} and starts the shutdown
  /// broadcast; empty turns that off.
  std::string shutdown_path = "/shutdown";
  /// When set, a message to `shutdown_path` must carry it as its data
  /// (`["/shutdown", "<token>"]`); without it: a Forbidden error.
  std::string stop_token;

  /// Throws std::invalid_argument naming a setting that is out of range (a
  /// zero message limit, call timeout or in-flight limit).
  void check() const;
};

/// The FIFO gateway: serves a node's routes over a pipe pair (the `server`
/// side of actorserve::pipe). Each message is the JSON array [path, data];
/// each reply is {"ok": value} or {"error": {"type", "message"}}, in the
/// order the messages came. A message that is a pickle (Python's
/// Connection.send((path, data))) is answered in pickle: the value, or the
/// builtins exception that stands for the error (gateways/pickle). When the
/// peer goes away it waits for the next.
class fifo_server {
public:
  /// Creates the FIFOs (if missing) and serves; throws pipe_error.
  fifo_server(node& n, fifo_options options);

  /// Stops serving and waits for its threads.
  ~fifo_server();

  fifo_server(const fifo_server&) = delete;
  fifo_server& operator=(const fifo_server&) = delete;

  const std::string& path() const;

  class impl;

private:
  std::shared_ptr<impl> impl_;
};

} // namespace actorserve::fifo
