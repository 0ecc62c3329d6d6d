#pragma once

// The framing of Python's multiprocessing.connection.Connection: a 4-byte
// big-endian signed length, or -1 and then an 8-byte big-endian length for
// messages over 2^31 - 1 bytes, then the message.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace actorserve::pipe {

/// A frame's header: how many bytes it took, and the message length it
/// declares (the peer's word: check it before acting on it).
struct frame_header {
  std::size_t size = 0;
  std::uint64_t length = 0;
};

/// The header at the start of `bytes`, or nothing while more bytes are
/// needed (4, or 12 for the long form). Throws pipe_error for a negative
/// length other than -1.
std::optional<frame_header> parse_frame_header(std::string_view bytes);

/// The header of a message of `length` bytes.
std::string frame_head(std::uint64_t length);

/// Appends `message` to `out`, framed.
void append_frame(std::string& out, std::string_view message);

} // namespace actorserve::pipe
