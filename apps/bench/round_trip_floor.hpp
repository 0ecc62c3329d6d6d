#pragma once

// The floor under any socket request on this machine: two threads pass one
// byte back and forth over a Unix socket pair, so each round trip is two
// thread hand-overs and nothing else. How much a hand-over costs varies
// from day to day on a shared machine (5 to 30 us), so a request is
// compared with the floor measured in the same run.
namespace actorserve::bench {

struct round_trip_floor {
  double p50_us;
  double p99_us;
};

/// Measures `rounds` round trips; throws std::runtime_error when the
/// socket pair fails.
round_trip_floor measure_round_trip_floor(int rounds);

} // namespace actorserve::bench
