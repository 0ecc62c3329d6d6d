#include "actors/json_depth.hpp"

#include <cstdint>
#include <vector>

namespace actorserve {

std::size_t json_text_depth(std::string_view text, std::size_t limit) {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i; // the escaped character cannot end the string
      else if (c == '"')
        in_string = false;
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > deepest) {
          deepest = depth;
          if (deepest > limit)
            return limit + 1;
        }
        break;
      case ']':
      case '}':
        if (depth > 0)
          --depth;
        break;
      default:
        break;
    }
  }
  return deepest;
}

namespace {

/// Reads big-endian unsigned numbers from MessagePack bytes.
class msgpack_reader {
public:
  explicit msgpack_reader(std::string_view bytes) : bytes_(bytes) {
  }

  std::size_t left() const noexcept {
    return bytes_.size() - pos_;
  }

  bool byte(std::uint8_t& out) {
    if (left() < 1)
      return false;
    out = static_cast<std::uint8_t>(bytes_[pos_++]);
    return true;
  }

  /// An n-byte big-endian number (n = 1, 2, 4 or 8).
  bool number(std::size_t n, std::uint64_t& out) {
    if (left() < n)
      return false;
    out = 0;
    for (std::size_t k = 0; k < n; ++k)
      out = (out << 8) | static_cast<std::uint8_t>(bytes_[pos_++]);
    return true;
  }

  bool skip(std::uint64_t n) {
    if (left() < n)
      return false;
    pos_ += static_cast<std::size_t>(n);
    return true;
  }

private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

} // namespace

std::optional<std::size_t> msgpack_depth(std::string_view bytes, std::size_t limit) {
  msgpack_reader in{bytes};
  // Items still to read in each open container, innermost last: at most
  // limit + 1 entries, whatever the bytes declare.
  std::vector<std::uint64_t> open;
  std::size_t deepest = 0;
  std::uint64_t top_level = 1;
  for (;;) {
    auto& remaining = open.empty() ? top_level : open.back();
    if (remaining == 0) {
      if (open.empty())
        return deepest;
      open.pop_back();
      continue;
    }
    --remaining;
    std::uint8_t type = 0;
    if (!in.byte(type))
      return std::nullopt;
    std::uint64_t n = 0;
    std::uint64_t items = 0;
    bool container = false;
    if (type <= 0x7f || type >= 0xe0 || (type >= 0xc0 && type <= 0xc3 && type != 0xc1)) {
      // fixint, nil, false, true: the type byte is the value
    } else if (type >= 0x80 && type <= 0x8f) {
      container = true, items = 2 * (type & 0x0fu);
    } else if (type >= 0x90 && type <= 0x9f) {
      container = true, items = type & 0x0fu;
    } else if (type >= 0xa0 && type <= 0xbf) {
      if (!in.skip(type & 0x1fu))
        return std::nullopt;
    } else {
      switch (type) {
        case 0xc4: case 0xd9: // bin 8, str 8
          if (!in.number(1, n) || !in.skip(n))
            return std::nullopt;
          break;
        case 0xc5: case 0xda: // bin 16, str 16
          if (!in.number(2, n) || !in.skip(n))
            return std::nullopt;
          break;
        case 0xc6: case 0xdb: // bin 32, str 32
          if (!in.number(4, n) || !in.skip(n))
            return std::nullopt;
          break;
        case 0xc7: // ext 8: length, type, data
          if (!in.number(1, n) || !in.skip(n + 1))
            return std::nullopt;
          break;
        case 0xc8:
          if (!in.number(2, n) || !in.skip(n + 1))
            return std::nullopt;
          break;
        case 0xc9:
          if (!in.number(4, n) || !in.skip(n + 1))
            return std::nullopt;
          break;
        case 0xca: case 0xce: case 0xd2: // float 32, uint 32, int 32
          if (!in.skip(4))
            return std::nullopt;
          break;
        case 0xcb: case 0xcf: case 0xd3: // float 64, uint 64, int 64
          if (!in.skip(8))
            return std::nullopt;
          break;
        case 0xcc: case 0xd0: // uint 8, int 8
          if (!in.skip(1))
            return std::nullopt;
          break;
        case 0xcd: case 0xd1: // uint 16, int 16
          if (!in.skip(2))
            return std::nullopt;
          break;
        case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: // fixext 1..16, + type
          if (!in.skip((std::uint64_t{1} << (type - 0xd4)) + 1))
            return std::nullopt;
          break;
        case 0xdc: // array 16
          container = true;
          if (!in.number(2, items))
            return std::nullopt;
          break;
        case 0xdd: // array 32
          container = true;
          if (!in.number(4, items))
            return std::nullopt;
          break;
        case 0xde: // map 16
          container = true;
          if (!in.number(2, items))
            return std::nullopt;
          items *= 2;
          break;
        case 0xdf: // map 32
          container = true;
          if (!in.number(4, items))
            return std::nullopt;
          items *= 2;
          break;
        default: // 0xc1 is never used
          return std::nullopt;
      }
    }
    if (!container)
      continue;
    // Every item takes at least one byte: a count past the bytes left is a lie.
    if (items > in.left())
      return std::nullopt;
    open.push_back(items);
    if (open.size() > deepest) {
      deepest = open.size();
      if (deepest > limit)
        return limit + 1;
    }
  }
}

std::string too_deep_message(const std::string& what, std::size_t limit) {
  return what + " nests arrays and objects deeper than " + std::to_string(limit)
         + " levels, the limit";
}

} // namespace actorserve
