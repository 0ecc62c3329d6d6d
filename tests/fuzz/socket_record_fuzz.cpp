// Socket records as the gateway and the client read them: header lines and
// their limits, declared payload lengths, the request's [path, data] JSON
// with its nesting limit, and the client's decoding of a response with each
// codec. Nothing here may crash, hang or allocate on a declared length.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "actors/call_error.hpp"
#include "actors/json.hpp"
#include "actors/json_depth.hpp"
#include "gateways/socket/codec.hpp"
#include "gateways/socket/record.hpp"

using namespace actorserve;
using namespace actorserve::socket;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  record_limits limits;
  limits.max_header = 256;
  limits.max_frame = 64 * 1024;
  while (!in.empty()) {
    auto lf = in.find('\n');
    if (lf == std::string_view::npos || lf + 1 > limits.max_header)
      break;
    auto parsed = parse_header(in.substr(0, lf), limits);
    if (!parsed.header)
      break;
    in.remove_prefix(lf + 1);
    auto n = parsed.header->length;
    if (n > limits.max_frame || in.size() < n)
      break;
    auto payload = in.substr(0, n);
    in.remove_prefix(n);
    if (json_text_depth(payload, limits.max_depth) <= limits.max_depth) {
      auto request = json::parse(payload.begin(), payload.end(), nullptr, false);
      if (!request.is_discarded())
        (void) json_text(request); // what a reply of it would be
    }
    for (auto c : {codec::json, codec::utf8, codec::none}) {
      try {
        auto value = decode(payload, c, limits.max_depth);
        (void) encode(value, c);
      } catch (const call_error&) {
        // refused with a reason: what the gateway answers
      }
    }
  }
  return 0;
}
