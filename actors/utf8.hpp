#pragma once

// UTF-8 checks for text from outside, shared by the codecs (socket, pickle).
#include <string>
#include <string_view>

namespace actorserve {

/// Whether `text` is well-formed UTF-8 (no overlong forms, no surrogates,
/// nothing past U+10FFFF).
bool is_valid_utf8(std::string_view text);

/// `text` with each byte that starts no well-formed UTF-8 sequence replaced
/// by U+FFFD; `text` itself when it is well-formed.
std::string replace_invalid_utf8(std::string_view text);

} // namespace actorserve
