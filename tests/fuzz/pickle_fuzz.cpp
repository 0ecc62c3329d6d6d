// The safe pickle subset's reader on anything: every input is a value or a
// BadRequest, never a crash, a leak, another exception or unbounded work;
// what it reads nests no deeper than the limit, and writes and reads back
// as itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "actors/call_error.hpp"
#include "actors/error_type.hpp"
#include "gateways/pickle/pickle_reader.hpp"
#include "gateways/pickle/pickle_writer.hpp"
#include "gateways/pickle/python_exception.hpp"

using namespace actorserve;

namespace {

std::size_t depth(const json& v) {
  std::size_t d = 0;
  if (v.is_structured())
    for (auto& item : v)
      d = std::max(d, depth(item));
  return v.is_structured() ? d + 1 : 0;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  pickle::read_limits limits{16, 64 * 1024};
  json value;
  try {
    value = pickle::decode(in, limits);
  } catch (const call_error& e) {
    if (e.type() != error_type::bad_request)
      std::abort();
    // What a client would be answered must be writable.
    if (pickle::encode_error(e.type(), e.what()).empty())
      std::abort();
    return 0;
  }
  if (depth(value) > limits.max_depth)
    std::abort();
  // Written and read again, a value is itself (compared as pickles: NaN is
  // not equal to itself).
  auto once = pickle::encode(value);
  auto again = pickle::encode(pickle::decode(once, pickle::read_limits{16, 1 << 30}));
  if (once != again)
    std::abort();
  return 0;
}
