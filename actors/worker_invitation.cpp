#include "actors/worker_invitation.hpp"

#include <cstdlib>
#include <stdexcept>

namespace actorserve {

std::pair<std::string, std::uint16_t> parse_host_port(const std::string& text,
                                                       const std::string& what) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    throw std::invalid_argument(what + " takes HOST:PORT; got '" + text + "'");
  auto host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  auto port_text = text.substr(colon + 1);
  if (port_text.find_first_not_of("0123456789") != std::string::npos || port_text.size() > 5)
    throw std::invalid_argument(what + " takes HOST:PORT; '" + port_text + "' is not a port");
  auto port = std::stoul(port_text);
  if (port == 0 || port > 65535)
    throw std::invalid_argument(what + ": port " + port_text + " is out of range (1-65535)");
  return {host, static_cast<std::uint16_t>(port)};
}

std::optional<join_options> take_worker_invitation() {
  auto address = std::getenv("ACTORSERVE_JOIN");
  auto index = std::getenv("ACTORSERVE_WORKER_INDEX");
  if (address == nullptr || index == nullptr)
    return std::nullopt;
  join_options invitation;
  auto [host, port] = parse_host_port(address, "ACTORSERVE_JOIN");
  invitation.host = host;
  invitation.port = port;
  invitation.worker_index = std::stoi(index);
  if (auto secret = std::getenv("ACTORSERVE_SECRET"))
    invitation.secret = secret;
  invitation.connect_timeout = std::chrono::seconds{10};
  ::unsetenv("ACTORSERVE_JOIN");
  ::unsetenv("ACTORSERVE_WORKER_INDEX");
  ::unsetenv("ACTORSERVE_SECRET");
  return invitation;
}

} // namespace actorserve
