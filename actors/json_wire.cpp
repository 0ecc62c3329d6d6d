#include "actors/json_wire.hpp"

namespace actorserve {

std::string json_to_wire(const json& value) {
  std::string out;
  // A discarded value (a failed non-throwing parse) has no MessagePack form:
  // it travels as null.
  json::to_msgpack(value.is_discarded() ? json{} : value, out);
  return out;
}

json json_from_wire(const std::string& bytes) {
  return json::from_msgpack(bytes);
}

bool json_from_wire(const std::string& bytes, json& out) {
  // No exception: this runs inside CAF's deserializer, where one would end
  // the process.
  out = json::from_msgpack(bytes, true, false);
  return !out.is_discarded();
}

} // namespace actorserve
