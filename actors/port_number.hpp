#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace actorserve {

/// A TCP port as a person writes it: 1 to 5 decimal digits, 0 to 65535
/// (0: the system picks a free one). Anything else (a sign, spaces, a
/// number past 65535) throws std::invalid_argument naming `what`: "WHAT
/// must be a number from 0 to 65535; got 'TEXT'".
std::uint16_t port_number(std::string_view text, const std::string& what);

/// The same without the exception, for callers with a message of their own
/// (those that take no port 0, say): nothing when `text` is no port.
std::optional<std::uint16_t> port_from_text(std::string_view text) noexcept;

} // namespace actorserve
