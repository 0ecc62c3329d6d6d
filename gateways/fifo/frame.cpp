#include "gateways/fifo/frame.hpp"

#include "gateways/fifo/pipe_error.hpp"

namespace actorserve::pipe {

namespace {

constexpr std::uint64_t int32_max = 0x7FFFFFFF;

void put_be(char* out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i, v >>= 8)
    out[i] = static_cast<char>(v & 0xFF);
}

std::uint64_t get_be(const char* in, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

} // namespace

std::optional<frame_header> parse_frame_header(std::string_view bytes) {
  if (bytes.size() < 4)
    return std::nullopt;
  auto n = static_cast<std::int32_t>(get_be(bytes.data(), 4));
  if (n >= 0)
    return frame_header{4, static_cast<std::uint64_t>(n)};
  if (n != -1)
    throw pipe_error("bad message length " + std::to_string(n));
  if (bytes.size() < 12)
    return std::nullopt;
  return frame_header{12, get_be(bytes.data() + 4, 8)};
}

std::string frame_head(std::uint64_t length) {
  char head[12];
  if (length > int32_max) {
    put_be(head, 0xFFFFFFFF, 4);
    put_be(head + 4, length, 8);
    return std::string(head, 12);
  }
  put_be(head, length, 4);
  return std::string(head, 4);
}

void append_frame(std::string& out, std::string_view message) {
  out += frame_head(message.size());
  out.append(message);
}

} // namespace actorserve::pipe
