#include "gateways/pickle/pickle_writer.hpp"

#include <cstdint>
#include <cstring>

#include "actors/utf8.hpp"
#include "gateways/pickle/opcodes.hpp"

namespace actorserve::pickle {

namespace {

// Python's pickler appends at most this many items per APPENDS or SETITEMS.
constexpr std::size_t batch = 1000;

void put(std::string& out, std::uint8_t code) {
  out += static_cast<char>(code);
}

void put_le(std::string& out, std::uint64_t v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

void put_int(std::string& out, std::int64_t v) {
  if (v >= 0 && v < 0x100) {
    put(out, op::binint1);
    put_le(out, static_cast<std::uint64_t>(v), 1);
  } else if (v >= 0 && v < 0x10000) {
    put(out, op::binint2);
    put_le(out, static_cast<std::uint64_t>(v), 2);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    put(out, op::binint);
    put_le(out, static_cast<std::uint64_t>(v), 4);
  } else {
    put(out, op::long1);
    put(out, 8);
    put_le(out, static_cast<std::uint64_t>(v), 8);
  }
}

void put_unsigned(std::string& out, std::uint64_t v) {
  if (v <= static_cast<std::uint64_t>(INT64_MAX)) {
    put_int(out, static_cast<std::int64_t>(v));
    return;
  }
  // Nine bytes, the last a zero sign byte: two's complement of a positive int.
  put(out, op::long1);
  put(out, 9);
  put_le(out, v, 8);
  put(out, 0);
}

void put_float(std::string& out, double d) {
  std::uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  put(out, op::binfloat);
  for (int i = 7; i >= 0; --i) // big-endian
    out += static_cast<char>((bits >> (8 * i)) & 0xFF);
}

void put_sized(std::string& out, std::uint8_t short_code, std::uint8_t code4,
               std::uint8_t code8, const char* data, std::size_t n) {
  if (n < 0x100) {
    put(out, short_code);
    put_le(out, n, 1);
  } else if (n <= 0xFFFFFFFFu) {
    put(out, code4);
    put_le(out, n, 4);
  } else {
    put(out, code8);
    put_le(out, n, 8);
  }
  out.append(data, n);
}

void put_value(std::string& out, const json& value) {
  switch (value.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      put(out, op::none);
      return;
    case json::value_t::boolean:
      put(out, value.get<bool>() ? op::newtrue : op::newfalse);
      return;
    case json::value_t::number_integer:
      put_int(out, value.get<std::int64_t>());
      return;
    case json::value_t::number_unsigned:
      put_unsigned(out, value.get<std::uint64_t>());
      return;
    case json::value_t::number_float:
      put_float(out, value.get<double>());
      return;
    case json::value_t::string:
      append_str(out, value.get_ref<const std::string&>());
      return;
    case json::value_t::binary: {
      auto& b = value.get_binary();
      put_sized(out, op::short_binbytes, op::binbytes, op::binbytes8,
                reinterpret_cast<const char*>(b.data()), b.size());
      return;
    }
    case json::value_t::array: {
      put(out, op::empty_list);
      std::size_t i = 0;
      for (auto& item : value) {
        if (i % batch == 0)
          put(out, op::mark);
        put_value(out, item);
        if (++i % batch == 0 || i == value.size())
          put(out, op::appends);
      }
      return;
    }
    case json::value_t::object: {
      put(out, op::empty_dict);
      std::size_t i = 0;
      for (auto& [key, item] : value.items()) {
        if (i % batch == 0)
          put(out, op::mark);
        append_str(out, key);
        put_value(out, item);
        if (++i % batch == 0 || i == value.size())
          put(out, op::setitems);
      }
      return;
    }
  }
}

} // namespace

void append_str(std::string& out, std::string_view text) {
  if (is_valid_utf8(text)) {
    put_sized(out, op::short_binunicode, op::binunicode, op::binunicode8, text.data(),
              text.size());
  } else {
    auto fixed = replace_invalid_utf8(text);
    put_sized(out, op::short_binunicode, op::binunicode, op::binunicode8, fixed.data(),
              fixed.size());
  }
}

void append_encoded(std::string& out, const json& value) {
  put(out, op::proto);
  put(out, 4);
  put_value(out, value);
  put(out, op::stop);
}

std::string encode(const json& value) {
  std::string out;
  append_encoded(out, value);
  return out;
}

} // namespace actorserve::pickle
