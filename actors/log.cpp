#include "actors/log.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <stdexcept>

#include "actors/json.hpp"
#include "actors/utc_timestamp.hpp"

namespace actorserve::log {

namespace {

std::mutex label_mutex;
std::string label;
std::atomic<int> lowest{static_cast<int>(level::info)};
std::atomic<int> style{static_cast<int>(format::text)};

const char* name_of(level l) {
  switch (l) {
    case level::debug:
      return "debug";
    case level::info:
      return "info";
    case level::warning:
      return "warning";
    default:
      return "error";
  }
}

void write_line(level l, const std::string& text, const std::string& request_id) {
  if (!enabled(l))
    return;
  std::string process;
  {
    std::lock_guard<std::mutex> guard{label_mutex};
    process = label;
  }
  std::string line;
  if (current_format() == format::json) {
    json entry{{"time", utc_timestamp()},
               {"level", name_of(l)},
               {"pid", static_cast<int>(::getpid())}};
    if (!process.empty())
      entry["process"] = process;
    if (!request_id.empty())
      entry["request_id"] = request_id;
    entry["message"] = text;
    // ASCII only (no U+2028 that a reader takes for a line end); invalid
    // UTF-8 (a peer's bytes in a message) is replaced, not thrown.
    line = entry.dump(-1, ' ', true, json::error_handler_t::replace);
  } else {
    line = utc_timestamp();
    char rest[64];
    std::snprintf(rest, sizeof rest, " actorserve[%d] ", static_cast<int>(::getpid()));
    line += rest;
    if (!process.empty())
      line += process + " ";
    line += name_of(l);
    line += ": ";
    if (!request_id.empty())
      line += "request " + printable(request_id) + ": ";
    line += printable(text);
  }
  line += '\n';
  // One write: lines from several threads never interleave.
  auto ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void) ignored;
}

} // namespace

void set_level(level l) {
  lowest.store(static_cast<int>(l), std::memory_order_relaxed);
}

void set_format(format f) {
  style.store(static_cast<int>(f), std::memory_order_relaxed);
}

format current_format() {
  return static_cast<format>(style.load(std::memory_order_relaxed));
}

bool enabled(level l) {
  return static_cast<int>(l) >= lowest.load(std::memory_order_relaxed);
}

level parse_level(const std::string& text) {
  for (auto l : {level::debug, level::info, level::warning, level::error})
    if (text == name_of(l))
      return l;
  throw std::invalid_argument("the log level is one of debug, info, warning, error; got '" + text
                              + "'");
}

format parse_format(const std::string& text) {
  if (text == "text")
    return format::text;
  if (text == "json")
    return format::json;
  throw std::invalid_argument("the log format is text or json; got '" + text + "'");
}

void debug(const std::string& text, const std::string& request_id) {
  write_line(level::debug, text, request_id);
}

void info(const std::string& text, const std::string& request_id) {
  write_line(level::info, text, request_id);
}

void warning(const std::string& text, const std::string& request_id) {
  write_line(level::warning, text, request_id);
}

void error(const std::string& text, const std::string& request_id) {
  write_line(level::error, text, request_id);
}

std::string printable(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

void set_label(const std::string& text) {
  std::lock_guard<std::mutex> guard{label_mutex};
  label = text;
}

} // namespace actorserve::log
