#define CAF_SUITE worker_board
#include <caf/test/unit_test.hpp>

#include "actors/workers/worker_board.hpp"

using namespace actorserve;

namespace {

worker_status slot(int index, worker_state state) {
  worker_status s;
  s.index = index;
  s.state = state;
  return s;
}

} // namespace

CAF_TEST(the board shows each slot once in index order with its latest state) {
  worker_board board;
  CAF_CHECK(board.snapshot().empty());
  board.update(slot(1, worker_state::starting));
  board.update(slot(0, worker_state::starting));
  board.update(slot(1, worker_state::ready));
  auto slots = board.snapshot();
  CAF_REQUIRE_EQUAL(slots.size(), 2u);
  CAF_CHECK_EQUAL(slots[0].index, 0);
  CAF_CHECK_EQUAL(slots[1].index, 1);
  CAF_CHECK(slots[1].state == worker_state::ready);
}
