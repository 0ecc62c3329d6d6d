#include "gateways/socket/codec.hpp"

#include "actors/call_error.hpp"
#include "actors/error_type.hpp"

namespace actorserve::socket {

namespace {

[[noreturn]] void bad(const std::string& what) {
  throw call_error(error_type::bad_request, what);
}

bool has_binary(const json& value) {
  if (value.is_binary())
    return true;
  if (value.is_structured())
    for (auto& item : value)
      if (has_binary(item))
        return true;
  return false;
}

} // namespace

std::string_view codec_name(codec c) {
  switch (c) {
    case codec::json:
      return "json";
    case codec::utf8:
      return "utf8";
    case codec::none:
      return "none";
  }
  return "json";
}

std::optional<codec> codec_from_name(std::string_view name) {
  if (name == "json")
    return codec::json;
  if (name == "utf8")
    return codec::utf8;
  if (name == "none")
    return codec::none;
  return std::nullopt;
}

std::string encode(const json& value, codec c) {
  switch (c) {
    case codec::json:
      if (has_binary(value))
        bad("raw bytes cannot be encoded as JSON; use the 'none' encoder");
      return json_text(value);
    case codec::utf8:
      if (!value.is_string())
        bad(std::string("the 'utf8' encoder takes a string, not ")
            + value.type_name());
      return value.get<std::string>();
    case codec::none:
      if (!value.is_binary())
        bad(std::string("the 'none' encoder takes raw bytes, not ")
            + value.type_name());
      {
        auto& bytes = value.get_binary();
        return std::string(bytes.begin(), bytes.end());
      }
  }
  bad("unknown codec");
}

json decode(std::string_view bytes, codec c, std::size_t max_depth) {
  switch (c) {
    case codec::json: {
      if (json_text_depth(bytes, max_depth) > max_depth)
        bad(too_deep_message("the payload", max_depth));
      auto value = json::parse(bytes.begin(), bytes.end(), nullptr, false);
      if (value.is_discarded())
        bad("the payload is not valid JSON");
      return value;
    }
    case codec::utf8:
      if (!is_valid_utf8(bytes))
        bad("the payload is not valid UTF-8");
      return json(std::string(bytes));
    case codec::none:
      return json::binary(json::binary_t::container_type(bytes.begin(), bytes.end()));
  }
  bad("unknown codec");
}

bool is_valid_utf8(std::string_view text) {
  size_t i = 0;
  auto n = text.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n)
      return false;
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800)
        || (len == 4 && cp < 0x10000) || cp > 0x10FFFF
        || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

} // namespace actorserve::socket
