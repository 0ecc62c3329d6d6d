#pragma once

// How a JSON value crosses a process boundary inside a CAF message:
// MessagePack bytes, which keep binary values (raw bytes) intact. What
// arrives is checked for its nesting depth before it is decoded.
#include <cstddef>
#include <string>

#include "actors/json.hpp"

namespace actorserve {

std::string json_to_wire(const json& value);

/// Throws std::runtime_error when `bytes` is not MessagePack or nests
/// deeper than wire_max_depth().
json json_from_wire(const std::string& bytes);

/// Decodes into `out`; false (and `out` discarded) when `bytes` is not
/// MessagePack or nests deeper than wire_max_depth(). Never throws.
bool json_from_wire(const std::string& bytes, json& out);

/// The deepest nesting a value from another process may have (the
/// process's own setting: node_options::max_depth sets it).
std::size_t wire_max_depth() noexcept;
void set_wire_max_depth(std::size_t depth) noexcept;

} // namespace actorserve
