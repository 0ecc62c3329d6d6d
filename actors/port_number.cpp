#include "actors/port_number.hpp"

#include <stdexcept>

namespace actorserve {

std::optional<std::uint16_t> port_from_text(std::string_view text) noexcept {
  if (text.empty() || text.size() > 5)
    return std::nullopt;
  unsigned long port = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    port = port * 10 + static_cast<unsigned long>(c - '0');
  }
  if (port > 65535)
    return std::nullopt;
  return static_cast<std::uint16_t>(port);
}

std::uint16_t port_number(std::string_view text, const std::string& what) {
  if (auto port = port_from_text(text))
    return *port;
  throw std::invalid_argument(what + " must be a number from 0 to 65535; got '"
                              + std::string{text.substr(0, 64)} + "'");
}

} // namespace actorserve
