#include "actors/worker_invitation.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "actors/port_number.hpp"

namespace actorserve {

std::pair<std::string, std::uint16_t> parse_host_port(const std::string& text,
                                                       const std::string& what) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    throw std::invalid_argument(what + " takes HOST:PORT; got '" + text + "'");
  auto host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  auto port = port_from_text(std::string_view{text}.substr(colon + 1));
  if (!port || *port == 0)
    throw std::invalid_argument(what + " takes HOST:PORT with a port of 1 to 65535; got '"
                                + text + "'");
  return {host, *port};
}

std::optional<join_options> take_worker_invitation() {
  auto link = std::getenv("ACTORSERVE_LINK_FD");
  auto index = std::getenv("ACTORSERVE_WORKER_INDEX");
  if (link == nullptr || index == nullptr)
    return std::nullopt;
  join_options invitation;
  std::string link_text{link};
  // The supervisor's end of a socket pair: a connected Unix stream socket.
  auto is_link = [](int fd) {
    struct stat st{};
    int domain = 0, type = 0;
    socklen_t size = sizeof domain;
    if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)
        || ::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &size) != 0)
      return false;
    size = sizeof type;
    return ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size) == 0 && domain == AF_UNIX
           && type == SOCK_STREAM;
  };
  if (link_text.empty() || link_text.size() > 6
      || link_text.find_first_not_of("0123456789") != std::string::npos
      || !is_link(std::stoi(link_text)))
    throw std::invalid_argument("ACTORSERVE_LINK_FD='" + link_text
                                + "' is not the socket of a worker link");
  invitation.link_fd = std::stoi(link_text);
  // Nothing this worker starts may hold its link.
  ::fcntl(invitation.link_fd, F_SETFD, FD_CLOEXEC);
  invitation.worker_index = std::stoi(index);
  if (auto secret = std::getenv("ACTORSERVE_SECRET"))
    invitation.secret = secret;
  ::unsetenv("ACTORSERVE_LINK_FD");
  ::unsetenv("ACTORSERVE_WORKER_INDEX");
  ::unsetenv("ACTORSERVE_SECRET");
  return invitation;
}

} // namespace actorserve
