#pragma once

// The safe pickle subset, reading side: Python's pickle protocols 2 to 5
// holding plain values, never an object. See docs/protocol.md, "The pickle
// encoder", for the mapping to our values.
#include <cstddef>
#include <string_view>

#include "actors/json.hpp"
#include "actors/json_depth.hpp"

namespace actorserve::pickle {

/// What one pickle may hold.
struct read_limits {
  /// The deepest nesting of lists, tuples, dicts and sets.
  std::size_t max_depth = default_max_depth;
  /// The most the decoded value may take, in bytes, close to the memory it
  /// takes while it is read and decoded: each value, memo entry and mark
  /// counts 24, each list, tuple, dict and set 96, each str and bytes its
  /// length too, and a value the memo or DUP repeats counts each time. A
  /// pickle may also take at most 96 times its own length plus 64 KiB (one
  /// that repeats nothing always fits that), so a small pickle cannot make
  /// a large value. Counted as the pickle is read, and refused the moment it
  /// is past.
  std::size_t max_size = std::size_t{256} << 20;
};

/// Whether `bytes` look like a pickle of protocol 2 or later (they begin
/// with the PROTO opcode, 0x80, which no JSON text begins with).
inline bool is_pickle(std::string_view bytes) {
  return !bytes.empty() && static_cast<unsigned char>(bytes[0]) == 0x80;
}

/// Decodes one pickle (protocols 2 to 5) into our value.
///
/// Reads None, bool, int, float, str, bytes, bytearray, list, tuple, dict,
/// set and frozenset, with the memo and framing opcodes these need. Of the
/// opcodes that name or call something, it accepts only the five names
/// Python itself writes for bytes, bytearray, set and frozenset under
/// protocols 2 and 3 (`_codecs.encode`, and `bytes`, `bytearray`, `set`,
/// `frozenset` from `builtins` or `__builtin__`), each followed by the one
/// REDUCE shape Python writes; it recognizes them, it never imports or calls
/// anything. Every other such opcode (GLOBAL or STACK_GLOBAL naming anything
/// else, BUILD, INST, OBJ, NEWOBJ, EXT1, PERSID, NEXT_BUFFER, ...) is refused
/// before the value is used.
///
/// Throws call_error (BadRequest) naming the opcode and its offset, or the
/// limit, on anything else: truncated input, bytes after STOP, a length that
/// runs past the input (checked before any allocation), a str that is not
/// UTF-8, a structure that contains itself, a dict key that is no str, int,
/// bool or None.
json decode(std::string_view bytes, const read_limits& limits = {});

} // namespace actorserve::pickle
