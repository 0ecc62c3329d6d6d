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

} // namespace actorserve::socket
