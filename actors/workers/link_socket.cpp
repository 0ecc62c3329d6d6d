#include "actors/workers/link_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace actorserve {

namespace {

std::string host_port(const std::string& host, std::uint16_t port) {
  auto h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

int milliseconds_until(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
    deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0)
    return 0;
  return left.count() > 60'000 ? 60'000 : static_cast<int>(left.count());
}

addrinfo* resolve(const std::string& host, std::uint16_t port, bool passive, std::string& why) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  addrinfo* found = nullptr;
  auto port_text = std::to_string(port);
  // No host: every address (listening), or this host (connecting).
  auto name = host.empty() ? nullptr : host.c_str();
  if (int rc = ::getaddrinfo(name, port_text.c_str(), &hints, &found); rc != 0) {
    why = ::gai_strerror(rc);
    return nullptr;
  }
  return found;
}

} // namespace

owned_fd& owned_fd::operator=(owned_fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

owned_fd::~owned_fd() {
  if (fd_ >= 0)
    ::close(fd_);
}

int owned_fd::release() noexcept {
  auto fd = fd_;
  fd_ = -1;
  return fd;
}

owned_fd listen_for_workers(const std::string& host, std::uint16_t port, int backlog) {
  auto where = host_port(host, port);
  std::string why;
  auto found = resolve(host, port, true, why);
  if (found == nullptr)
    throw std::runtime_error("cannot listen for workers on " + where + ": " + why);
  owned_fd fd;
  for (auto ai = found; ai != nullptr && !fd; ai = ai->ai_next) {
    owned_fd candidate{::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                                ai->ai_protocol)};
    int on = 1;
    if (!candidate
        || ::setsockopt(candidate.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0
        || ::bind(candidate.get(), ai->ai_addr, ai->ai_addrlen) != 0
        || ::listen(candidate.get(), backlog) != 0) {
      why = std::strerror(errno);
      continue;
    }
    fd = std::move(candidate);
  }
  ::freeaddrinfo(found);
  if (!fd)
    throw std::runtime_error("cannot listen for workers on " + where + ": " + why);
  return fd;
}

std::uint16_t bound_port(int fd) {
  sockaddr_storage addr{};
  socklen_t size = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) != 0)
    return 0;
  if (addr.ss_family == AF_INET)
    return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return 0;
}

std::string peer_address(int fd) {
  sockaddr_storage addr{};
  socklen_t size = sizeof addr;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &size) != 0)
    return "unknown";
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    auto in = reinterpret_cast<sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    return host_port(text, ntohs(in->sin_port));
  }
  if (addr.ss_family == AF_INET6) {
    auto in6 = reinterpret_cast<sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    return host_port(text, ntohs(in6->sin6_port));
  }
  return "unknown";
}

owned_fd connect_to_supervisor(const std::string& host, std::uint16_t port,
                               std::chrono::milliseconds timeout, std::string& why) {
  auto found = resolve(host, port, false, why);
  if (found == nullptr)
    return {};
  owned_fd fd;
  for (auto ai = found; ai != nullptr && !fd; ai = ai->ai_next) {
    owned_fd candidate{::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                                ai->ai_protocol)};
    if (!candidate) {
      why = std::strerror(errno);
      continue;
    }
    // Non-blocking, so that a host that never answers costs only `timeout`.
    if (::connect(candidate.get(), ai->ai_addr, ai->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        why = std::strerror(errno);
        continue;
      }
      if (!wait_for(candidate.get(), true, std::chrono::steady_clock::now() + timeout)) {
        why = "no answer within " + std::to_string(timeout.count()) + " ms";
        continue;
      }
      int err = 0;
      socklen_t size = sizeof err;
      ::getsockopt(candidate.get(), SOL_SOCKET, SO_ERROR, &err, &size);
      if (err != 0) {
        why = std::strerror(err);
        continue;
      }
    }
    auto flags = ::fcntl(candidate.get(), F_GETFL);
    ::fcntl(candidate.get(), F_SETFL, flags & ~O_NONBLOCK);
    fd = std::move(candidate);
  }
  ::freeaddrinfo(found);
  return fd;
}

bool wait_for(int fd, bool for_write, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
    int rc = ::poll(&p, 1, milliseconds_until(deadline));
    if (rc > 0)
      return true;
    if (rc == 0 && std::chrono::steady_clock::now() >= deadline)
      return false;
    if (rc < 0 && errno != EINTR)
      return true; // the read or write that follows says what is wrong
  }
}

} // namespace actorserve
