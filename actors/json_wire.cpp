#include "actors/json_wire.hpp"

namespace actorserve {

std::string json_to_wire(const json& value) {
  std::string out;
  json::to_msgpack(value, out);
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
