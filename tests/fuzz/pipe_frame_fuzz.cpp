// The pipe framing of Python's multiprocessing.connection: short and long
// headers, negative lengths, lengths up to 2^64 that a peer declares, cut
// off anywhere. A message is taken only once all its bytes are there, and a
// framed message reads back as itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gateways/fifo/frame.hpp"
#include "gateways/fifo/pipe_error.hpp"

using namespace actorserve::pipe;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  constexpr std::size_t max_message = 1024 * 1024;
  while (!in.empty()) {
    std::optional<frame_header> header;
    try {
      header = parse_frame_header(in);
    } catch (const pipe_error&) {
      break; // a bad length: the gateway waits for the next peer
    }
    if (!header)
      break; // more header bytes needed
    in.remove_prefix(header->size);
    if (header->length > max_message || header->length > in.size())
      break; // refused or not there yet: nothing allocated for it
    auto message = in.substr(0, static_cast<std::size_t>(header->length));
    in.remove_prefix(message.size());
    std::string framed;
    append_frame(framed, message);
    auto again = parse_frame_header(framed);
    if (!again || again->length != message.size()
        || std::string_view(framed).substr(again->size) != message)
      std::abort(); // framing must round-trip
  }
  return 0;
}
