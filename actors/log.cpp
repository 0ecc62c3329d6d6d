#include "actors/log.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace actorserve::log {

namespace {

void write_line(const char* level, const std::string& text) {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto secs = system_clock::to_time_t(now);
  auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  std::string line(stamp);
  char rest[64];
  std::snprintf(rest, sizeof rest, ".%03dZ actorserve[%d] %s: ",
                static_cast<int>(millis), static_cast<int>(getpid()), level);
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
