#include "apps/example/option_values.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "actors/port_number.hpp"

namespace actorserve {

namespace {

/// A decimal number as people write one: digits, a point, an exponent; no
/// sign, space or hexadecimal, which std::stod would take too.
bool plain_decimal(const std::string& text) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (text.empty() || !(digit(text[0]) || text[0] == '.'))
    return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool exponent_sign = (c == '+' || c == '-') && (text[i - 1] == 'e' || text[i - 1] == 'E');
    if (!digit(c) && c != '.' && c != 'e' && c != 'E' && !exponent_sign)
      return false;
  }
  return true;
}

} // namespace

double parse_seconds(const std::string& option, const std::string& text) {
  size_t used = 0;
  double value = 0;
  try {
    value = plain_decimal(text) ? std::stod(text, &used) : 0;
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || !std::isfinite(value) || value < 0)
    throw usage_error("option --" + option + " takes a number of seconds, got '" + text + "'");
  if (value > max_seconds)
    throw usage_error("option --" + option + " takes at most "
                      + std::to_string(static_cast<long long>(max_seconds)) + " seconds, got '"
                      + text + "'");
  return value;
}

std::chrono::milliseconds parse_millis(const std::string& option, const std::string& text) {
  return std::chrono::milliseconds(std::llround(parse_seconds(option, text) * 1000));
}

std::uint64_t parse_count(const std::string& option, const std::string& text, std::uint64_t min,
                          std::uint64_t max) {
  auto refuse = [&] {
    throw usage_error("option --" + option + " takes a whole number from " + std::to_string(min)
                      + " to " + std::to_string(max) + ", got '" + text + "'");
  };
  // Digits only, and few enough that the number cannot overflow.
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos)
    refuse();
  auto value = std::stoull(text);
  if (value < min || value > max)
    refuse();
  return value;
}

std::uint16_t parse_port(const std::string& option, const std::string& text) {
  if (auto port = port_from_text(text))
    return *port;
  throw usage_error("option --" + option + " takes 0 to 65535, got '" + text + "'");
}

bool parse_bool(const std::string& option, const std::string& text) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "true" || lower == "1" || lower == "yes" || lower == "on")
    return true;
  if (lower == "false" || lower == "0" || lower == "no" || lower == "off")
    return false;
  throw usage_error("option --" + option + " takes true or false, got '" + text + "'");
}

std::string seconds_text(std::chrono::milliseconds duration) {
  auto ms = duration.count();
  if (ms % 1000 == 0)
    return std::to_string(ms / 1000);
  char text[32];
  std::snprintf(text, sizeof text, "%lld.%03lld", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  std::string out = text;
  while (out.back() == '0')
    out.pop_back();
  return out;
}

} // namespace actorserve
