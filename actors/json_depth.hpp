#pragma once

// How deep input from outside may nest, checked before anything parses or
// copies it: nlohmann's parser copes with any depth, but copying, dumping and
// MessagePack-encoding a value recurse once per level, and a body of 100,000
// nested arrays is enough to overflow a thread's stack.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace actorserve {

/// The deepest nesting of arrays and objects accepted from outside unless
/// configured otherwise (every gateway, and calls between nodes).
inline constexpr std::size_t default_max_depth = 128;

/// How deeply JSON text nests arrays and objects (`1` is `[1]`, `0` a
/// scalar), skipping strings, without parsing: one pass that stops as soon
/// as the depth passes `limit` (then it returns limit + 1). Text that is not
/// JSON still gets a depth; the parser refuses it afterwards.
std::size_t json_text_depth(std::string_view text, std::size_t limit);

/// The same for one MessagePack value; nothing when the bytes end before
/// the value does, or hold a type byte MessagePack does not define. Counts
/// a container declares are checked against the bytes left, never trusted.
std::optional<std::size_t> msgpack_depth(std::string_view bytes, std::size_t limit);

/// What a gateway answers for text that nests too deeply: "<what> nests
/// arrays and objects deeper than <limit> levels, the limit".
std::string too_deep_message(const std::string& what, std::size_t limit);

} // namespace actorserve
