#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace actorserve {

/// A bad command line: the message says which option and why.
class usage_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// `--name=value` and `--flag` options, each declared with its help text.
/// Anything not declared is a usage_error (so a typo never passes silently).
class command_line {
public:
  /// An option that takes a value; `apply` parses it (throw usage_error or
  /// std::invalid_argument to refuse it).
  void add(std::string name, std::string value_name, std::string help,
           std::function<void(const std::string&)> apply);

  /// An option without a value.
  void add_flag(std::string name, std::string help, std::function<void()> apply);

  /// Applies every option given; throws usage_error.
  void parse(int argc, char** argv) const;

  /// The option list for --help.
  std::string help() const;

private:
  struct option {
    std::string value_name;
    std::string help;
    std::function<void(const std::string&)> apply;
    bool takes_value;
  };
  std::map<std::string, option> options_;
  std::vector<std::string> order_;
};

/// The longest time an option takes: far past any sensible timeout, and
/// far from overflowing a count of milliseconds.
inline constexpr double max_seconds = 1e7;

/// Parses a decimal number of seconds (e.g. "2.5"), 0 to max_seconds;
/// throws usage_error.
double parse_seconds(const std::string& option, const std::string& text);

/// The same, as milliseconds.
std::chrono::milliseconds parse_millis(const std::string& option, const std::string& text);

/// Parses a whole decimal number from `min` to `max` (no sign, no
/// fraction); throws usage_error naming the range.
std::uint64_t parse_count(const std::string& option, const std::string& text, std::uint64_t min,
                          std::uint64_t max);

/// Parses a port, 0 to 65535 (0: the system picks one); throws usage_error.
std::uint16_t parse_port(const std::string& option, const std::string& text);

} // namespace actorserve
