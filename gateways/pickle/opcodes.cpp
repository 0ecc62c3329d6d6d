#include "gateways/pickle/opcodes.hpp"

namespace actorserve::pickle::op {

const char* name(std::uint8_t code) {
  switch (code) {
    // What the subset reads.
    case proto: return "PROTO";
    case frame: return "FRAME";
    case stop: return "STOP";
    case none: return "NONE";
    case newtrue: return "NEWTRUE";
    case newfalse: return "NEWFALSE";
    case binint: return "BININT";
    case binint1: return "BININT1";
    case binint2: return "BININT2";
    case long1: return "LONG1";
    case long4: return "LONG4";
    case binfloat: return "BINFLOAT";
    case binunicode: return "BINUNICODE";
    case short_binunicode: return "SHORT_BINUNICODE";
    case binunicode8: return "BINUNICODE8";
    case binbytes: return "BINBYTES";
    case short_binbytes: return "SHORT_BINBYTES";
    case binbytes8: return "BINBYTES8";
    case bytearray8: return "BYTEARRAY8";
    case mark: return "MARK";
    case empty_list: return "EMPTY_LIST";
    case empty_dict: return "EMPTY_DICT";
    case empty_tuple: return "EMPTY_TUPLE";
    case empty_set: return "EMPTY_SET";
    case list: return "LIST";
    case dict: return "DICT";
    case tuple: return "TUPLE";
    case tuple1: return "TUPLE1";
    case tuple2: return "TUPLE2";
    case tuple3: return "TUPLE3";
    case frozenset: return "FROZENSET";
    case append: return "APPEND";
    case appends: return "APPENDS";
    case setitem: return "SETITEM";
    case setitems: return "SETITEMS";
    case additems: return "ADDITEMS";
    case pop: return "POP";
    case pop_mark: return "POP_MARK";
    case dup: return "DUP";
    case binput: return "BINPUT";
    case long_binput: return "LONG_BINPUT";
    case memoize: return "MEMOIZE";
    case binget: return "BINGET";
    case long_binget: return "LONG_BINGET";
    case global: return "GLOBAL";
    case stack_global: return "STACK_GLOBAL";
    case reduce: return "REDUCE";
    // What it refuses: building objects, and the text forms of protocol 0.
    case 'b': return "BUILD";
    case 'i': return "INST";
    case 'o': return "OBJ";
    case 0x81: return "NEWOBJ";
    case 0x92: return "NEWOBJ_EX";
    case 0x82: return "EXT1";
    case 0x83: return "EXT2";
    case 0x84: return "EXT4";
    case 'P': return "PERSID";
    case 'Q': return "BINPERSID";
    case 0x97: return "NEXT_BUFFER";
    case 0x98: return "READONLY_BUFFER";
    case 'F': return "FLOAT";
    case 'I': return "INT";
    case 'L': return "LONG";
    case 'S': return "STRING";
    case 'T': return "BINSTRING";
    case 'U': return "SHORT_BINSTRING";
    case 'V': return "UNICODE";
    case 'g': return "GET";
    case 'p': return "PUT";
    default: return nullptr;
  }
}

} // namespace actorserve::pickle::op
