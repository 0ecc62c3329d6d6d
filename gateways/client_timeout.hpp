#pragma once

// The deadline a client sends with its request (HTTP X-Request-Timeout, the
// socket and FIFO request options), shared by the gateways. The gateway's
// own call timeout stays the upper bound.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "actors/json.hpp"

namespace actorserve {

/// What a client asked for: nothing, a time, or something that is not one
/// (`error` then says why).
struct client_timeout {
  std::optional<std::chrono::nanoseconds> value;
  std::string error;
};

/// A client's seconds (above 0), held to a day: anything longer is the
/// gateway's own timeout anyway. Less than a nanosecond is one nanosecond,
/// the least deadline there is: above 0 stays above 0.
inline client_timeout from_seconds(double seconds) {
  seconds = std::min(seconds, 86400.0);
  auto nanos = std::max(1LL, static_cast<long long>(seconds * 1e9));
  return client_timeout{std::chrono::nanoseconds{nanos}, {}};
}

/// Seconds as a client writes them: a decimal number above 0, such as
/// "2" or "0.250" (no sign, no exponent, at most 32 characters).
inline client_timeout parse_client_timeout(std::string_view text) {
  auto refuse = [&] {
    return client_timeout{std::nullopt, "a timeout is a decimal number of seconds above 0, "
                                        "such as 2.5; got '"
                                          + std::string(text.substr(0, 32)) + "'"};
  };
  bool digit = false;
  bool dot = false;
  for (char c : text) {
    if (c >= '0' && c <= '9')
      digit = true;
    else if (c == '.' && !dot)
      dot = true;
    else
      return refuse();
  }
  if (!digit || text.size() > 32)
    return refuse();
  auto seconds = std::strtod(std::string(text).c_str(), nullptr);
  if (!std::isfinite(seconds) || seconds <= 0)
    return refuse();
  return from_seconds(seconds);
}

/// The same, sent as a JSON number of seconds.
inline client_timeout client_timeout_of(const json& seconds) {
  if (!seconds.is_number() || !std::isfinite(seconds.get<double>()) || seconds.get<double>() <= 0)
    return client_timeout{std::nullopt, "\"timeout\" is a number of seconds above 0; got "
                                          + json_text(seconds).substr(0, 32)};
  return from_seconds(seconds.get<double>());
}

/// The time a call gets: the client's, when it asked for less than the
/// gateway allows.
inline std::chrono::nanoseconds call_time(std::chrono::milliseconds gateway,
                                          const client_timeout& client) {
  std::chrono::nanoseconds limit = gateway;
  return client.value ? std::min(limit, *client.value) : limit;
}

} // namespace actorserve
