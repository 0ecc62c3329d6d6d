#include "apps/example/command_line.hpp"

#include <cmath>

namespace actorserve {

void command_line::add(std::string name, std::string value_name, std::string help,
                       std::function<void(const std::string&)> apply) {
  order_.push_back(name);
  options_[std::move(name)] = option{std::move(value_name), std::move(help),
                                     std::move(apply), true};
}

void command_line::add_flag(std::string name, std::string help,
                            std::function<void()> apply) {
  order_.push_back(name);
  options_[std::move(name)] = option{"", std::move(help),
                                     [apply](const std::string&) { apply(); },
                                     false};
}

void command_line::parse(int argc, char** argv) const {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0)
      throw usage_error("unexpected argument '" + arg + "' (options look like --name=value)");
    auto eq = arg.find('=');
    auto name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    auto it = options_.find(name);
    if (it == options_.end())
      throw usage_error("unknown option --" + name + " (see --help)");
    auto& opt = it->second;
    std::string value;
    if (opt.takes_value) {
      if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        throw usage_error("option --" + name + " needs a value: --" + name + "="
                          + opt.value_name);
      }
    } else if (eq != std::string::npos) {
      throw usage_error("option --" + name + " takes no value");
    }
    try {
      opt.apply(value);
    } catch (const usage_error&) {
      throw;
    } catch (const std::exception& e) {
      throw usage_error("option --" + name + ": '" + value + "' is not valid: " + e.what());
    }
  }
}

std::string command_line::help() const {
  std::string out;
  for (auto& name : order_) {
    auto& opt = options_.at(name);
    auto head = "  --" + name + (opt.takes_value ? "=" + opt.value_name : "");
    if (head.size() < 30)
      head.resize(30, ' ');
    else
      head += "\n" + std::string(30, ' ');
    out += head + opt.help + "\n";
  }
  return out;
}

double parse_seconds(const std::string& option, const std::string& text) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
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
  std::size_t used = 0;
  unsigned long port = 70000;
  try {
    port = std::stoul(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || port > 65535)
    throw usage_error("option --" + option + " takes 0 to 65535, got '" + text + "'");
  return static_cast<std::uint16_t>(port);
}

} // namespace actorserve
