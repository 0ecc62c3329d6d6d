#include "gateways/socket/record.hpp"

#include <charconv>

namespace actorserve::socket {

bool is_valid_id(std::string_view id) {
  if (id.empty() || id.size() > max_id_length)
    return false;
  for (unsigned char ch : id)
    if (ch <= 0x20 || ch >= 0x7f)
      return false;
  return true;
}

header_result parse_header(std::string_view line, const record_limits& limits) {
  header_result result;
  auto first = line.find(' ');
  auto second = first == std::string_view::npos ? first : line.find(' ', first + 1);
  if (first == std::string_view::npos || second == std::string_view::npos
      || line.find(' ', second + 1) != std::string_view::npos) {
    result.error = "a record header is '<id> <length> <encoder>' (three fields "
                   "separated by single spaces, ending in a newline)";
    return result;
  }
  auto id = line.substr(0, first);
  auto length_text = line.substr(first + 1, second - first - 1);
  auto encoder = line.substr(second + 1);
  if (!is_valid_id(id)) {
    result.error = "a request id is 1 to 64 printable ASCII characters without spaces";
    return result;
  }
  result.id = std::string(id);
  std::size_t length = 0;
  auto [end, ec] = std::from_chars(length_text.data(),
                                   length_text.data() + length_text.size(), length);
  if (length_text.empty() || ec != std::errc{} || end != length_text.data() + length_text.size()) {
    result.error = ec == std::errc::result_out_of_range
                     ? "payload length " + std::string(length_text) + " exceeds the frame limit of "
                         + std::to_string(limits.max_frame) + " bytes"
                     : "payload length '" + std::string(length_text)
                         + "' is not a decimal number";
    return result;
  }
  if (length > limits.max_frame) {
    result.error = "payload length " + std::to_string(length)
                   + " exceeds the frame limit of " + std::to_string(limits.max_frame)
                   + " bytes";
    return result;
  }
  if (encoder != "json" && encoder != "pickle" && encoder != "utf8" && encoder != "none"
      && encoder != "error") {
    result.error = "unknown encoder '" + std::string(encoder)
                   + "' (known: json, pickle, utf8, none, error)";
    return result;
  }
  result.header = record_header{std::string(id), length, std::string(encoder)};
  return result;
}

void append_record(std::string& out, std::string_view id, std::string_view encoder,
                   std::string_view payload) {
  out.append(id);
  out += ' ';
  out += std::to_string(payload.size());
  out += ' ';
  out.append(encoder);
  out += '\n';
  out.append(payload);
}

} // namespace actorserve::socket
