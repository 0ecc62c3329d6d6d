#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/json.hpp"

namespace actorserve {

/// Certificates for encrypted, authenticated links between nodes (CAF's
/// OpenSSL module). Every node of a service gives the same `ca_file`, and a
/// certificate and key signed by it: each side checks the other's
/// certificate against the CA. Empty `certificate` means plain TCP.
struct tls_options {
  std::string certificate; ///< PEM certificate chain of this node
  std::string key;         ///< PEM private key of this node
  std::string ca_file;     ///< PEM file of the CA(s) trusted to sign peers
  std::string passphrase;  ///< for an encrypted key; empty if none

  bool enabled() const noexcept {
    return !certificate.empty();
  }
};

/// How the supervisor restarts worker processes that die.
struct restart_policy {
  /// The wait before the first restart of a slot; doubled for each further
  /// restart within a minute, up to `max_backoff`.
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{std::chrono::seconds{5}};
  /// Restarts of one slot within any 60 s after which the slot is marked
  /// failed and no longer restarted (`/healthz` reports it).
  int max_restarts_per_minute = 5;
};

/// What a worker needs to join a supervisor.
struct join_options {
  /// The supervisor's worker port.
  std::string host;
  std::uint16_t port = 0;
  /// The service's shared secret (see docs/workers.md).
  std::string secret;
  /// The slot a worker started by the supervisor fills; -1 for a worker that
  /// joins on its own (from another host), which gets the lowest free index
  /// past the supervisor's own workers.
  int worker_index = -1;
  /// A joining worker's own context (slots of the supervisor's own workers
  /// take theirs from the supervisor).
  json context;
  /// How long to keep trying to reach the supervisor.
  std::chrono::milliseconds connect_timeout{std::chrono::seconds{30}};
  /// A worker the supervisor started: its end of the socket pair the
  /// supervisor made for it (host and port are then not used); -1 otherwise.
  int link_fd = -1;
};

/// The worker side of a node's options (see node_options).
struct worker_options {
  /// 1: routes run in this process. N > 1: in N worker processes of this
  /// executable, started and supervised by this node. 0: only in workers
  /// that join (needs `node_port`).
  std::size_t workers = 1;
  /// worker_contexts[i] goes to worker i: empty (null for all) or N values.
  std::vector<json> worker_contexts;
  /// The address of the worker port (with `node_port`). The supervisor's
  /// own workers need neither: they link over socket pairs.
  std::string node_host = "127.0.0.1";
  /// Set: workers may join at this port (0: one the system picks), also
  /// from other hosts, with the shared secret.
  std::optional<std::uint16_t> node_port;
  /// The shared secret workers prove they know; empty: a fresh random one
  /// per run (only this node's own workers can then join).
  std::string secret;
  tls_options tls;
  /// The supervisor pings every worker this often; a worker that does not
  /// answer within `heartbeat_timeout` is treated as dead (killed and
  /// restarted). Workers leave when their supervisor is silent as long.
  std::chrono::milliseconds heartbeat_interval{std::chrono::seconds{1}};
  std::chrono::milliseconds heartbeat_timeout{std::chrono::seconds{5}};
  /// How long the start waits for every worker to be ready.
  std::chrono::milliseconds start_timeout{std::chrono::seconds{60}};
  restart_policy restarts;
  /// Set: this process is a worker and joins the supervisor named there.
  std::optional<join_options> join;

  /// Routes run in worker processes, or workers may join: the node links
  /// to other nodes.
  bool links_nodes() const noexcept {
    return join.has_value() || workers != 1 || node_port.has_value();
  }

  /// Throws std::invalid_argument naming the setting that is out of range
  /// or does not fit with another: more than max_workers workers, a
  /// worker_contexts of the wrong length, a heartbeat timeout not longer
  /// than its interval, TLS without all of certificate, key and CA file, a
  /// secret shorter than min_secret_length.
  void check() const;
};

/// The most worker processes one supervisor starts.
inline constexpr std::size_t max_workers = 1024;

/// The shortest shared secret accepted (characters).
inline constexpr std::size_t min_secret_length = 16;

/// Throws std::invalid_argument if `secret` is shorter than
/// min_secret_length, naming `where` it came from.
void check_secret(const std::string& secret, const std::string& where);

/// Reads the shared secret from a file (surrounding white space dropped).
/// Throws std::runtime_error naming the file if it cannot be read or is not
/// private to this user (read_private_file), and std::invalid_argument if
/// the secret is too short.
std::string read_secret_file(const std::string& path);

} // namespace actorserve
