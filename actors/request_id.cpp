#include "actors/request_id.hpp"

#include <atomic>
#include <cstdint>
#include <charconv>
#include <random>

namespace actorserve {

bool acceptable_request_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > max_request_id)
    return false;
  for (unsigned char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '-' || c == '_' || c == '.' || c == ':' || c == '/' || c == '+'
              || c == '=' || c == '@';
    if (!ok)
      return false;
  }
  return true;
}

std::string new_request_id() {
  static const std::uint64_t start = [] {
    std::random_device rd;
    return (std::uint64_t{rd()} << 32) ^ rd();
  }();
  static std::atomic<std::uint64_t> counter{0};
  auto n = counter.fetch_add(1, std::memory_order_relaxed) + 1;
  // "%016llx-%llu", without snprintf's parsing of its format on every call.
  char text[48];
  static constexpr char hex[] = "0123456789abcdef";
  for (int i = 0; i < 16; ++i)
    text[i] = hex[(start >> (60 - 4 * i)) & 0xf];
  text[16] = '-';
  auto end = std::to_chars(text + 17, text + sizeof text, n).ptr;
  return std::string(text, end);
}

} // namespace actorserve
