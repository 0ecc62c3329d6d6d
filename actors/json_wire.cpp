#include "actors/json_wire.hpp"

#include <atomic>
#include <stdexcept>

#include "actors/json_depth.hpp"

namespace actorserve {

namespace {

std::atomic<std::size_t> max_depth{default_max_depth};

/// Whether `bytes` may be decoded: one MessagePack value, nested no deeper
/// than the limit (decoding recurses once per level).
bool decodable(const std::string& bytes) {
  auto limit = wire_max_depth();
  auto depth = msgpack_depth(bytes, limit);
  return depth && *depth <= limit;
}

} // namespace

std::size_t wire_max_depth() noexcept {
  return max_depth.load(std::memory_order_relaxed);
}

void set_wire_max_depth(std::size_t depth) noexcept {
  max_depth.store(depth, std::memory_order_relaxed);
}

std::string json_to_wire(const json& value) {
  std::string out;
  // A discarded value (a failed non-throwing parse) has no MessagePack form:
  // it travels as null.
  json::to_msgpack(value.is_discarded() ? json{} : value, out);
  return out;
}

json json_from_wire(const std::string& bytes) {
  json out;
  if (!json_from_wire(bytes, out))
    throw std::runtime_error("a value from another process is not MessagePack, or nests "
                             "deeper than "
                             + std::to_string(wire_max_depth()) + " levels");
  return out;
}

bool json_from_wire(const std::string& bytes, json& out) {
  // No exception: this runs inside CAF's deserializer, where one would end
  // the process.
  if (!decodable(bytes)) {
    out = json(json::value_t::discarded);
    return false;
  }
  out = json::from_msgpack(bytes, true, false);
  return !out.is_discarded();
}

} // namespace actorserve
