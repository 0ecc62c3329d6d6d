#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace actorserve {

/// A TCP port as a person writes it: 1 to 5 decimal digits, 0 to 65535
/// (0: the system picks a free one). Anything else (a sign, spaces, a
/// number past 65535) throws std::invalid_argument naming `what`: "WHAT
/// must be a number from 0 to 65535; got 'TEXT'".
std::uint16_t port_number(std::string_view text, const std::string& what);

} // namespace actorserve
