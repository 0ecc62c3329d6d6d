#include "actors/port_number.hpp"

#include <stdexcept>

namespace actorserve {

std::uint16_t port_number(std::string_view text, const std::string& what) {
  unsigned long port = 0;
  bool digits = !text.empty() && text.size() <= 5;
  for (char c : text) {
    if (c < '0' || c > '9') {
      digits = false;
      break;
    }
    port = port * 10 + static_cast<unsigned long>(c - '0');
  }
  if (!digits || port > 65535)
    throw std::invalid_argument(what + " must be a number from 0 to 65535; got '"
                                + std::string{text.substr(0, 64)} + "'");
  return static_cast<std::uint16_t>(port);
}

} // namespace actorserve
