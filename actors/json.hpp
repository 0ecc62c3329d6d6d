#pragma once

// The value type every route takes and returns. Raw bytes travel as a JSON
// binary value (json::binary), so one type carries JSON, text and bytes.
#include <string>

#include <nlohmann/json.hpp>

namespace actorserve {

using json = nlohmann::json;

/// `value` as compact JSON text, with invalid UTF-8 in strings replaced
/// (U+FFFD) rather than thrown about in the middle of a reply.
inline std::string json_text(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace actorserve
