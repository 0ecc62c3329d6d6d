#define CAF_SUITE restart_schedule
#include <caf/test/unit_test.hpp>

#include "actors/workers/restart_schedule.hpp"

using namespace actorserve;
using namespace std::chrono_literals;

namespace {

restart_policy policy(int cap) {
  restart_policy p;
  p.initial_backoff = 100ms;
  p.max_backoff = 1s;
  p.max_restarts_per_minute = cap;
  return p;
}

const restart_schedule::time_point start{};

} // namespace

CAF_TEST(the back-off doubles with each restart up to its maximum) {
  restart_schedule s{policy(10)};
  std::vector<long long> waits;
  for (int i = 0; i < 6; ++i)
    waits.push_back(s.next(start + std::chrono::seconds{i}).value().count());
  std::vector<long long> expected{100, 200, 400, 800, 1000, 1000};
  CAF_CHECK_EQUAL(waits, expected);
}

CAF_TEST(the slot fails once restarted the cap times within a minute) {
  restart_schedule s{policy(3)};
  CAF_CHECK(s.next(start));
  CAF_CHECK(s.next(start + 1s));
  CAF_CHECK(s.next(start + 2s));
  CAF_CHECK(!s.next(start + 3s));
  CAF_CHECK_EQUAL(s.recent(), 3u);
}

CAF_TEST(restarts older than a minute no longer count) {
  restart_schedule s{policy(2)};
  CAF_CHECK(s.next(start));
  CAF_CHECK(s.next(start + 30s));
  CAF_CHECK(!s.next(start + 59s));
  // The first restart is now more than a minute old: one place is free,
  // and the back-off counts only the restart still within the minute.
  CAF_CHECK_EQUAL(s.next(start + 61s).value().count(), 200);
  CAF_CHECK_EQUAL(s.recent(), 2u);
}

CAF_TEST(a cap of zero never restarts) {
  restart_schedule s{policy(0)};
  CAF_CHECK(!s.next(start));
}
