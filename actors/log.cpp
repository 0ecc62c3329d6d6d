#include "actors/log.hpp"

#include <unistd.h>

#include <cstdio>
#include <mutex>

#include "actors/utc_timestamp.hpp"

namespace actorserve::log {

namespace {

std::mutex label_mutex;
std::string label;

void write_line(const char* level, const std::string& text) {
  auto line = utc_timestamp();
  char rest[64];
  std::snprintf(rest, sizeof rest, " actorserve[%d] ", static_cast<int>(getpid()));
  line += rest;
  {
    std::lock_guard<std::mutex> guard{label_mutex};
    if (!label.empty())
      line += label + " ";
  }
  line += level;
  line += ": ";
  line += text;
  line += '\n';
  // One write: lines from several threads never interleave.
  auto ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void) ignored;
}

} // namespace

void info(const std::string& text) {
  write_line("info", text);
}

void warning(const std::string& text) {
  write_line("warning", text);
}

void error(const std::string& text) {
  write_line("error", text);
}

void set_label(const std::string& text) {
  std::lock_guard<std::mutex> guard{label_mutex};
  label = text;
}

} // namespace actorserve::log
