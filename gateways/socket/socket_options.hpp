#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "gateways/socket/record.hpp"

namespace actorserve::socket {

/// Where and how a socket_server listens. Give `path` for a Unix socket, or
/// `port` (and `host`) for TCP.
struct socket_options {
  /// A Unix socket path. Parent directories are created; a socket file left
  /// by a dead server is replaced; any other file there is an error.
  std::string path;
  /// Permissions of the Unix socket file.
  mode_t file_mode = 0600;
  /// TCP host: an address or a name. Loopback by default: nothing is reachable from other hosts
  /// unless you say so ("0.0.0.0" or "::" for every interface).
  std::string host = "127.0.0.1";
  /// TCP port; 0 picks a free one (see socket_server::endpoint).
  std::uint16_t port = 0;
  /// Calls in flight per connection. At the limit the server stops reading
  /// that connection until one completes (back-pressure).
  std::size_t backlog = 256;
  /// A request to this path answers null and starts the shutdown broadcast;
  /// empty turns that off.
  std::string shutdown_path = "/shutdown";
  /// Header line and payload limits.
  record_limits limits;
  /// The deadline of each call, from when its record was read.
  std::chrono::milliseconds call_timeout{std::chrono::seconds{60}};
  /// The listen() backlog (pending connections).
  int listen_backlog = 128;

  /// Throws std::invalid_argument naming a setting that is out of range (a
  /// backlog of 0, a zero limit or call timeout, a listen backlog below 1).
  void check() const;
};

} // namespace actorserve::socket
