#pragma once

#include <chrono>

namespace actorserve {

/// The steady clock's now plus `d`, or its end of time for a `d` past what
/// the clock holds (a timeout of years is "never", not a wrap into the past).
inline std::chrono::steady_clock::time_point steady_after(std::chrono::milliseconds d) {
  using steady = std::chrono::steady_clock;
  auto now = steady::now();
  return d >= std::chrono::duration_cast<std::chrono::milliseconds>(steady::time_point::max() - now)
           ? steady::time_point::max()
           : now + d;
}

} // namespace actorserve
