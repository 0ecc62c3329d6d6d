#pragma once

// How a JSON value crosses a process boundary inside a CAF message:
// MessagePack bytes, which keep binary values (raw bytes) intact.
#include <string>

#include "actors/json.hpp"

namespace actorserve {

std::string json_to_wire(const json& value);

/// Throws nlohmann::json::exception when `bytes` is not MessagePack.
json json_from_wire(const std::string& bytes);

/// Decodes into `out`; false (and `out` discarded) when `bytes` is not
/// MessagePack. Never throws.
bool json_from_wire(const std::string& bytes, json& out);

} // namespace actorserve
