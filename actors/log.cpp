#include "actors/log.hpp"

#include <unistd.h>

#include <cstdio>

#include "actors/utc_timestamp.hpp"

namespace actorserve::log {

namespace {

void write_line(const char* level, const std::string& text) {
  auto line = utc_timestamp();
  char rest[64];
  std::snprintf(rest, sizeof rest, " actorserve[%d] %s: ", static_cast<int>(getpid()), level);
  line += rest;
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

} // namespace actorserve::log
