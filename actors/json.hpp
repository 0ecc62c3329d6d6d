#pragma once

// The value type every route takes and returns. Raw bytes travel as a JSON
// binary value (json::binary), so one type carries JSON, text and bytes.
#include <nlohmann/json.hpp>

namespace actorserve {

using json = nlohmann::json;

} // namespace actorserve
