#include "actors/service_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "actors/log.hpp"

namespace actorserve {

namespace {

std::mutex socket_mutex;
std::string notify_socket; // empty: none

std::atomic<bool> warned{false};

bool fail(const std::string& why) noexcept {
  if (!warned.exchange(true)) {
    try {
      log::warning("cannot notify the service manager: " + why
                   + " (later failures are not logged)");
    } catch (...) { // no memory for the line: the caller goes on all the same
    }
  }
  return false;
}

} // namespace

void take_notify_socket() {
  auto value = std::getenv("NOTIFY_SOCKET");
  std::string taken = value != nullptr ? value : "";
  ::unsetenv("NOTIFY_SOCKET");
  std::lock_guard<std::mutex> guard{socket_mutex};
  notify_socket = std::move(taken);
}

bool notify_service_manager(const std::string& state) noexcept {
  try {
    std::string address;
    {
      std::lock_guard<std::mutex> guard{socket_mutex};
      address = notify_socket;
    }
    if (address.empty())
      return false;
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    socklen_t length = 0;
    if (address[0] == '@') {
      // An abstract name: a leading NUL, the name, no terminating NUL.
      if (address.size() > sizeof sa.sun_path)
        return fail("NOTIFY_SOCKET names an abstract socket of " + std::to_string(address.size())
                    + " bytes; a Unix socket address holds at most "
                    + std::to_string(sizeof sa.sun_path));
      std::memcpy(sa.sun_path + 1, address.data() + 1, address.size() - 1);
      length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size());
    } else if (address[0] == '/') {
      if (address.size() >= sizeof sa.sun_path) // the path and its NUL
        return fail("NOTIFY_SOCKET's path is " + std::to_string(address.size())
                    + " bytes long; a Unix socket path holds at most "
                    + std::to_string(sizeof sa.sun_path - 1));
      std::memcpy(sa.sun_path, address.data(), address.size());
      length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size() + 1);
    } else {
      return fail("NOTIFY_SOCKET='" + address
                  + "' is neither an absolute path nor an abstract name ('@...')");
    }
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
      return fail(std::string{"socket: "} + std::strerror(errno));
    ssize_t sent;
    do
      sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                      reinterpret_cast<const sockaddr*>(&sa), length);
    while (sent < 0 && errno == EINTR);
    int error = errno;
    ::close(fd);
    if (sent < 0)
      return fail("sending to " + address + ": " + std::strerror(error));
    if (static_cast<std::size_t>(sent) != state.size())
      return fail("sending to " + address + ": " + std::to_string(sent) + " of "
                  + std::to_string(state.size()) + " bytes sent");
    return true;
  } catch (...) { // std::bad_alloc: nothing to tell, nothing sent
    return false;
  }
}

bool notify_ready(const std::string& status) noexcept {
  try {
    auto line = status; // a line break would start a new key
    for (auto& c : line)
      if (c == '\n' || c == '\r')
        c = ' ';
    return notify_service_manager("READY=1\nMAINPID=" + std::to_string(::getpid())
                                  + "\nSTATUS=" + line);
  } catch (...) {
    return false;
  }
}

bool notify_stopping() noexcept {
  return notify_service_manager("STOPPING=1\nSTATUS=shutting down: draining calls in flight");
}

} // namespace actorserve
