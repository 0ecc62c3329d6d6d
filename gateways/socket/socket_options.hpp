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
  /// When set, a request to `shutdown_path` must carry it as its data
  /// (`["/shutdown", "<token>"]`); without it: a Forbidden error record.
  std::string stop_token;
  /// Header line and payload limits.
  record_limits limits;
  /// The deadline of each call, from when its record was read.
  std::chrono::milliseconds call_timeout{std::chrono::seconds{60}};
  /// The listen() backlog (pending connections).
  int listen_backlog = 128;
  /// Open connections; one more gets a BacklogFull error record and is
  /// closed.
  std::size_t max_connections = 1024;
  /// A connection with nothing in flight, nothing to write and no record
  /// under way is closed after this long.
  std::chrono::milliseconds idle_timeout{std::chrono::minutes{5}};
  /// Replies must be taken within this long once a write to the peer began;
  /// a peer that does not read them is cut off.
  std::chrono::milliseconds write_timeout{std::chrono::seconds{10}};
  /// A record must arrive whole within this long of its first byte; one that
  /// stalls is answered Timeout and the connection is closed.
  std::chrono::milliseconds record_timeout{std::chrono::seconds{30}};
  /// Bytes of records not yet complete that all connections together may
  /// hold; the record that would pass it gets a BacklogFull error record and
  /// its connection is closed.
  std::size_t max_incomplete_bytes = 256 * 1024 * 1024;

  /// Throws std::invalid_argument naming a setting that is out of range (a
  /// backlog of 0, a zero limit or call timeout, a listen backlog below 1).
  void check() const;
};

} // namespace actorserve::socket
