#pragma once

// The plain sockets of the worker link: the supervisor's worker port and a
// joining worker's connection to it. CAF reads neither until both ends gave
// their link proof (link_proof.hpp).
#include <chrono>
#include <cstdint>
#include <string>

namespace actorserve {

/// A file descriptor, closed when this goes out of scope unless released.
class owned_fd {
public:
  owned_fd() noexcept = default;
  explicit owned_fd(int fd) noexcept : fd_{fd} {
  }
  owned_fd(owned_fd&& other) noexcept : fd_{other.release()} {
  }
  owned_fd& operator=(owned_fd&& other) noexcept;
  owned_fd(const owned_fd&) = delete;
  owned_fd& operator=(const owned_fd&) = delete;
  ~owned_fd();

  int get() const noexcept {
    return fd_;
  }
  explicit operator bool() const noexcept {
    return fd_ >= 0;
  }
  /// Gives the descriptor up: the caller closes it.
  int release() noexcept;

private:
  int fd_ = -1;
};

/// A non-blocking TCP socket listening on host:port (0: a port the system
/// picks), close-on-exec. Throws std::runtime_error "cannot listen for
/// workers on host:port: why".
owned_fd listen_for_workers(const std::string& host, std::uint16_t port, int backlog);

/// The local port a socket is bound to (0 if it cannot be told).
std::uint16_t bound_port(int fd);

/// "host:port" of a connected socket's peer ("unknown" if it cannot be told).
std::string peer_address(int fd);

/// A blocking, close-on-exec TCP connection to host:port, tried for at
/// most `timeout` per address; empty, with `why` set, when none connects.
owned_fd connect_to_supervisor(const std::string& host, std::uint16_t port,
                               std::chrono::milliseconds timeout, std::string& why);

/// Waits until `fd` is readable (`for_write`: writable) or `deadline`
/// passes; false on the deadline. Retries on signals.
bool wait_for(int fd, bool for_write, std::chrono::steady_clock::time_point deadline);

} // namespace actorserve
