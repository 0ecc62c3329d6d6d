#pragma once

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace actorserve {

/// A time, as UTC to the millisecond: "2026-11-26T13:00:00.123Z" (logs);
/// now by default.
inline std::string utc_timestamp(std::chrono::system_clock::time_point now
                                 = std::chrono::system_clock::now()) {
  using namespace std::chrono;
  auto secs = system_clock::to_time_t(now);
  auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char stamp[40];
  auto n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(stamp + n, sizeof stamp - n, ".%03dZ", static_cast<int>(millis));
  return stamp;
}

} // namespace actorserve
