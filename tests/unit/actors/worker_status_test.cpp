#define CAF_SUITE worker_status
#include <caf/test/unit_test.hpp>

#include "actors/worker_status.hpp"

using namespace actorserve;

namespace {

worker_status slot(int index, worker_state state) {
  worker_status s;
  s.index = index;
  s.state = state;
  return s;
}

} // namespace

CAF_TEST(slot states have the names health checks show) {
  CAF_CHECK_EQUAL(std::string{to_string(worker_state::starting)}, "starting");
  CAF_CHECK_EQUAL(std::string{to_string(worker_state::ready)}, "ready");
  CAF_CHECK_EQUAL(std::string{to_string(worker_state::leaving)}, "leaving");
  CAF_CHECK_EQUAL(std::string{to_string(worker_state::restarting)}, "restarting");
  CAF_CHECK_EQUAL(std::string{to_string(worker_state::failed)}, "failed");
  CAF_CHECK_EQUAL(std::string{to_string(worker_state::left)}, "left");
  CAF_CHECK_EQUAL(std::string{to_string(worker_state::stopped)}, "stopped");
}

CAF_TEST(a slot is shown with its error only when it has one) {
  auto s = slot(2, worker_state::restarting);
  s.pid = 42;
  s.host = "h";
  s.restarts = 1;
  CAF_CHECK_EQUAL(to_json(s), (json{{"index", 2}, {"state", "restarting"}, {"pid", 42},
                                    {"host", "h"}, {"restarts", 1}}));
  s.last_error = "its process was killed by signal 9 (Killed)";
  auto shown = to_json(s);
  CAF_CHECK_EQUAL(shown["last_error"], "its process was killed by signal 9 (Killed)");
}

CAF_TEST(health is serving degraded or no worker ready) {
  CAF_CHECK_EQUAL(health_of({slot(0, worker_state::ready), slot(1, worker_state::ready)}),
                  "serving");
  CAF_CHECK_EQUAL(health_of({slot(0, worker_state::ready), slot(1, worker_state::restarting)}),
                  "serving");
  CAF_CHECK_EQUAL(health_of({slot(0, worker_state::ready), slot(1, worker_state::failed)}),
                  "degraded");
  CAF_CHECK_EQUAL(health_of({slot(0, worker_state::leaving), slot(1, worker_state::failed)}),
                  "no worker ready");
  CAF_CHECK_EQUAL(health_of({}), "no worker ready");
}
