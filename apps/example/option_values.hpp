#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "apps/example/usage_error.hpp"

// Strict parsers for option values: each refuses what it cannot take with a
// usage_error that names the option, the value and what it takes.
namespace actorserve {

/// The longest time an option takes: far past any sensible timeout, and
/// far from overflowing a count of milliseconds.
inline constexpr double max_seconds = 1e7;

/// Parses a decimal number of seconds (e.g. "2.5"), 0 to max_seconds.
double parse_seconds(const std::string& option, const std::string& text);

/// The same, as milliseconds.
std::chrono::milliseconds parse_millis(const std::string& option, const std::string& text);

/// Parses a whole decimal number from `min` to `max` (no sign, no
/// fraction), naming the range when it refuses.
std::uint64_t parse_count(const std::string& option, const std::string& text, std::uint64_t min,
                          std::uint64_t max);

/// Parses a port, 0 to 65535 (0: the system picks one).
std::uint16_t parse_port(const std::string& option, const std::string& text);

/// Parses true/false (also 1/0, yes/no, on/off, any case).
bool parse_bool(const std::string& option, const std::string& text);

/// A duration as an option value: whole seconds without a fraction ("30"),
/// otherwise the shortest decimal ("0.25"); parse_millis reads it back.
std::string seconds_text(std::chrono::milliseconds duration);

} // namespace actorserve
