// The nesting check that stands before every parse: for JSON text and for
// MessagePack, whatever the bytes. When the check passes, the value parsed
// from the same bytes is never deeper than the check said (so nothing after
// it recurses deeper than the limit); and the decoder between nodes decodes
// nothing the check refuses.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "actors/json.hpp"
#include "actors/json_depth.hpp"
#include "actors/json_wire.hpp"

using namespace actorserve;

namespace {

constexpr std::size_t limit = 32;

/// The depth of a parsed value, without recursion.
std::size_t depth_of(const json& value) {
  std::size_t deepest = 0;
  std::vector<std::pair<const json*, std::size_t>> todo{{&value, 0}};
  while (!todo.empty()) {
    auto [v, d] = todo.back();
    todo.pop_back();
    if (!v->is_structured())
      continue;
    deepest = std::max(deepest, d + 1);
    for (auto& item : *v)
      todo.emplace_back(&item, d + 1);
  }
  return deepest;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  auto text_depth = json_text_depth(bytes, limit);
  if (text_depth <= limit) {
    auto value = json::parse(bytes, nullptr, false);
    if (!value.is_discarded() && depth_of(value) > text_depth)
      std::abort(); // the check let a deeper value through
  }
  auto pack_depth = msgpack_depth(bytes, limit);
  set_wire_max_depth(limit);
  json decoded;
  bool ok = json_from_wire(bytes, decoded);
  if (ok && (!pack_depth || *pack_depth > limit || depth_of(decoded) > *pack_depth))
    std::abort(); // decoded what the check should have refused
  return 0;
}
