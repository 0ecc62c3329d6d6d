#pragma once

// The safe pickle subset, writing side: our values as pickle protocol 4,
// with the standard opcodes only, so Python's own pickle.loads reads them.
#include <string>
#include <string_view>

#include "actors/json.hpp"

namespace actorserve::pickle {

/// Appends one pickle of `value` to `out`: null → None, bool, integers →
/// int, float → float, string → str (invalid UTF-8 replaced by U+FFFD),
/// binary → bytes, array → list, object → dict with str keys. Names nothing
/// and calls nothing.
void append_encoded(std::string& out, const json& value);

/// Appends the opcode that pushes the str `text` (invalid UTF-8 replaced),
/// for writers of pickles of other shapes.
void append_str(std::string& out, std::string_view text);

/// One pickle of `value`.
std::string encode(const json& value);

} // namespace actorserve::pickle
