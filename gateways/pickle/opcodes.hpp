#pragma once

// The pickle opcodes the reader and the writer know, named as Python's
// pickletools names them (so an error names what a Python user can look up).
#include <cstdint>

namespace actorserve::pickle::op {

// Framing and the end.
inline constexpr std::uint8_t proto = 0x80;
inline constexpr std::uint8_t frame = 0x95;
inline constexpr std::uint8_t stop = '.';

// Scalars.
inline constexpr std::uint8_t none = 'N';
inline constexpr std::uint8_t newtrue = 0x88;
inline constexpr std::uint8_t newfalse = 0x89;
inline constexpr std::uint8_t binint = 'J';
inline constexpr std::uint8_t binint1 = 'K';
inline constexpr std::uint8_t binint2 = 'M';
inline constexpr std::uint8_t long1 = 0x8a;
inline constexpr std::uint8_t long4 = 0x8b;
inline constexpr std::uint8_t binfloat = 'G';
inline constexpr std::uint8_t binunicode = 'X';
inline constexpr std::uint8_t short_binunicode = 0x8c;
inline constexpr std::uint8_t binunicode8 = 0x8d;
inline constexpr std::uint8_t binbytes = 'B';
inline constexpr std::uint8_t short_binbytes = 'C';
inline constexpr std::uint8_t binbytes8 = 0x8e;
inline constexpr std::uint8_t bytearray8 = 0x96;

// Containers.
inline constexpr std::uint8_t mark = '(';
inline constexpr std::uint8_t empty_list = ']';
inline constexpr std::uint8_t empty_dict = '}';
inline constexpr std::uint8_t empty_tuple = ')';
inline constexpr std::uint8_t empty_set = 0x8f;
inline constexpr std::uint8_t list = 'l';
inline constexpr std::uint8_t dict = 'd';
inline constexpr std::uint8_t tuple = 't';
inline constexpr std::uint8_t tuple1 = 0x85;
inline constexpr std::uint8_t tuple2 = 0x86;
inline constexpr std::uint8_t tuple3 = 0x87;
inline constexpr std::uint8_t frozenset = 0x91;
inline constexpr std::uint8_t append = 'a';
inline constexpr std::uint8_t appends = 'e';
inline constexpr std::uint8_t setitem = 's';
inline constexpr std::uint8_t setitems = 'u';
inline constexpr std::uint8_t additems = 0x90;

// The stack and the memo.
inline constexpr std::uint8_t pop = '0';
inline constexpr std::uint8_t pop_mark = '1';
inline constexpr std::uint8_t dup = '2';
inline constexpr std::uint8_t binput = 'q';
inline constexpr std::uint8_t long_binput = 'r';
inline constexpr std::uint8_t memoize = 0x94;
inline constexpr std::uint8_t binget = 'h';
inline constexpr std::uint8_t long_binget = 'j';

// Naming and calling: the reader only recognizes a few value constructors
// by name (see pickle_reader.hpp); the writer names builtins exceptions.
inline constexpr std::uint8_t global = 'c';
inline constexpr std::uint8_t stack_global = 0x93;
inline constexpr std::uint8_t reduce = 'R';

/// The pickletools name of opcode `code` ("GLOBAL", "BINUNICODE", ...), or
/// nullptr for a byte that is no opcode.
const char* name(std::uint8_t code);

} // namespace actorserve::pickle::op
