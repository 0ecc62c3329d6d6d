#pragma once

#include <memory>
#include <string>

#include "gateways/socket/socket_options.hpp"

namespace actorserve {
class node;
} // namespace actorserve

namespace actorserve::socket {

/// The socket gateway: serves a node's routes as framed records over a Unix
/// or TCP socket (see docs/protocol.md), on an I/O thread of its own.
///
/// Responses carry the request's id and complete in any order. The server
/// takes part in the node's shutdown broadcast: it stops accepting, answers
/// what it admitted, closes every connection and removes its socket file.
class socket_server {
public:
  /// Binds and listens, then serves. Throws std::runtime_error naming the
  /// address and the reason when it cannot.
  socket_server(node& n, socket_options options);

  /// Stops serving (if the broadcast did not) and waits for the I/O thread.
  ~socket_server();

  socket_server(const socket_server&) = delete;
  socket_server& operator=(const socket_server&) = delete;

  /// Where it listens: the Unix path, or "host:port" with the real port.
  std::string endpoint() const;

  /// Whether it listens on a Unix socket.
  bool is_unix() const;

  class impl;

private:
  std::shared_ptr<impl> impl_;
};

} // namespace actorserve::socket
