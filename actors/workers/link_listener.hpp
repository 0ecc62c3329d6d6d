#pragma once

// The worker port of a supervisor that lets workers join from other hosts
// over plain TCP. Its own thread accepts connections and runs the link
// proof (link_proof.hpp) on each; only a connection whose peer proved the
// shared secret is handed on, to CAF. Until then a peer can make it hold
// no more than `max_unproven` connections, each for at most
// `proof_timeout`, and a few bytes apiece.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "actors/workers/link_socket.hpp"

namespace actorserve {

class link_listener {
public:
  struct limits {
    /// Connections that have not proved the secret yet; one more is closed
    /// at once.
    std::size_t max_unproven = 32;
    /// How long a connection has to prove the secret.
    std::chrono::milliseconds proof_timeout{std::chrono::seconds{5}};
  };

  /// Called on the listener's thread with a connection that proved the
  /// secret and the peer's address; it owns the descriptor from then on.
  using admit_function = std::function<void(owned_fd, const std::string&)>;

  /// Listens on host:port (0: a port the system picks) and starts the
  /// thread. Throws std::runtime_error naming the address if it cannot.
  link_listener(const std::string& host, std::uint16_t port, std::string secret,
                admit_function admit, limits lim);
  link_listener(const std::string& host, std::uint16_t port, std::string secret,
                admit_function admit)
    : link_listener(host, port, std::move(secret), std::move(admit), limits{}) {
  }

  /// Stops accepting and closes every connection not yet handed on.
  ~link_listener();

  link_listener(const link_listener&) = delete;
  link_listener& operator=(const link_listener&) = delete;

  std::uint16_t port() const noexcept {
    return port_;
  }

  /// Connections handed on, and connections closed before they proved the
  /// secret (a wrong proof, garbage, silence, or one too many).
  std::size_t admitted() const noexcept {
    return admitted_;
  }
  std::size_t refused() const noexcept {
    return refused_;
  }

private:
  void run();

  std::string secret_;
  admit_function admit_;
  limits limits_;
  owned_fd listening_;
  owned_fd wake_; // an eventfd: the destructor's stop
  std::uint16_t port_ = 0;
  std::atomic<std::size_t> admitted_{0};
  std::atomic<std::size_t> refused_{0};
  std::thread thread_;
};

} // namespace actorserve
