#include "actors/json_wire.hpp"

#include <atomic>
#include <cstdint>
#include <stdexcept>

#include "actors/json_depth.hpp"

namespace actorserve {

namespace {

std::atomic<std::size_t> max_depth{default_max_depth};

// Most values that cross are small scalars: a call's meta and a reply's
// meta are null, many inputs and results are one small number. They are
// encoded and decoded here, in the one byte MessagePack gives them, without
// nlohmann's adapters (which allocate). Anything else goes to nlohmann.

/// The one-byte form of `value` (null, a boolean, an integer from -32 to
/// 127) into `out`; false when it has none.
bool one_byte(const json& value, char& out) {
  switch (value.type()) {
    case json::value_t::null:
    case json::value_t::discarded: // has no MessagePack form: travels as null
      out = static_cast<char>(0xc0);
      return true;
    case json::value_t::boolean:
      out = static_cast<char>(value.get<bool>() ? 0xc3 : 0xc2);
      return true;
    case json::value_t::number_unsigned: {
      auto n = value.get<std::uint64_t>();
      if (n > 0x7f)
        return false;
      out = static_cast<char>(n);
      return true;
    }
    case json::value_t::number_integer: {
      auto n = value.get<std::int64_t>();
      if (n < -32 || n > 0x7f)
        return false;
      out = static_cast<char>(static_cast<std::uint8_t>(n)); // fixint, either sign
      return true;
    }
    default:
      return false;
  }
}

/// Decodes a one-byte value as nlohmann would; false for any other byte.
bool from_one_byte(unsigned char b, json& out) {
  if (b <= 0x7f)
    out = static_cast<std::uint64_t>(b); // positive fixint
  else if (b >= 0xe0)
    out = static_cast<std::int64_t>(static_cast<std::int8_t>(b)); // negative fixint
  else if (b == 0xc0)
    out = nullptr;
  else if (b == 0xc2 || b == 0xc3)
    out = b == 0xc3;
  else
    return false;
  return true;
}

/// Whether `bytes` may be decoded: one MessagePack value, nested no deeper
/// than the limit (decoding recurses once per level).
bool decodable(const std::string& bytes) {
  auto limit = wire_max_depth();
  auto depth = msgpack_depth(bytes, limit);
  return depth && *depth <= limit;
}

} // namespace

std::size_t wire_max_depth() noexcept {
  return max_depth.load(std::memory_order_relaxed);
}

void set_wire_max_depth(std::size_t depth) noexcept {
  max_depth.store(depth, std::memory_order_relaxed);
}

std::string json_to_wire(const json& value) {
  char byte;
  if (one_byte(value, byte))
    return std::string(1, byte);
  std::string out;
  json::to_msgpack(value, out);
  return out;
}

json json_from_wire(const std::string& bytes) {
  json out;
  if (!json_from_wire(bytes, out))
    throw std::runtime_error("a value from another process is not MessagePack, or nests "
                             "deeper than "
                             + std::to_string(wire_max_depth()) + " levels");
  return out;
}

bool json_from_wire(const std::string& bytes, json& out) {
  // No exception: this runs inside CAF's deserializer, where one would end
  // the process.
  if (bytes.size() == 1 && from_one_byte(static_cast<unsigned char>(bytes[0]), out))
    return true;
  if (!decodable(bytes)) {
    out = json(json::value_t::discarded);
    return false;
  }
  out = json::from_msgpack(bytes, true, false);
  return !out.is_discarded();
}

} // namespace actorserve
