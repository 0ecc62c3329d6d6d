#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

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
  /// Each call's deadline, from when its message was read.
  std::chrono::milliseconds call_timeout{std::chrono::seconds{60}};
  /// A request to this path answers {"ok": null} and starts the shutdown
  /// broadcast; empty turns that off.
  std::string shutdown_path = "/shutdown";

  /// Throws std::invalid_argument naming a setting that is out of range (a
  /// zero message limit or call timeout).
  void check() const;
};

/// The FIFO gateway: serves a node's routes over a pipe pair (the `server`
/// side of actorserve::pipe). Each message is the JSON array [path, data];
/// each reply is {"ok": value} or {"error": {"type", "message"}}, in the
/// order the messages came. When the peer goes away it waits for the next.
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
