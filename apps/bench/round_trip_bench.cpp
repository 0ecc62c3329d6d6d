// Benchmark: the floor under any socket request on this machine
// (round_trip_floor.hpp). actorserve-bench-socket measures it too, between
// its request rounds, and compares.
//   BENCH unix_round_trip p50_us=... p99_us=... settings: ...
#include <cstdio>
#include <exception>

#include "apps/bench/round_trip_floor.hpp"

int main() {
  constexpr int rounds = 20000;
  try {
    auto floor = actorserve::bench::measure_round_trip_floor(rounds);
    std::printf("BENCH unix_round_trip p50_us=%.1f p99_us=%.1f settings: rounds=%d "
                "threads=2 bytes=1 socketpair\n",
                floor.p50_us, floor.p99_us, rounds);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "benchmark failed: %s\n", e.what());
    return 1;
  }
  return 0;
}
