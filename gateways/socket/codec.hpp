#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "actors/json.hpp"
#include "actors/json_depth.hpp"
#include "actors/utf8.hpp"

namespace actorserve::socket {

/// How a value is turned into bytes on a socket record, and back (the
/// records name it in their header: docs/protocol.md).
enum class codec {
  json, ///< UTF-8 JSON text; binary values are refused
  utf8, ///< the value is a string, sent as its UTF-8 bytes
  none, ///< the value is raw bytes (a json binary), sent as they are
};

/// The codec's wire name: "json", "utf8", "none".
std::string_view codec_name(codec c);

/// The codec named `name`, or nothing.
std::optional<codec> codec_from_name(std::string_view name);

/// Encodes `value`. Throws call_error (BadRequest) when the value does not
/// fit the codec (a number for utf8, a string for none, bytes for json).
std::string encode(const json& value, codec c);

/// Decodes `bytes`. Throws call_error (BadRequest) with the reason when they
/// are not valid for the codec (JSON that does not parse or nests deeper
/// than `max_depth`, invalid UTF-8).
json decode(std::string_view bytes, codec c, std::size_t max_depth = default_max_depth);

using actorserve::is_valid_utf8;

} // namespace actorserve::socket
