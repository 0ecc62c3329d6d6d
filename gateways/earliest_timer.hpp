#pragma once

#include <chrono>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

namespace actorserve {

/// A connection's one timer for its deadlines, moved only to an earlier
/// time: a deadline pushed later (every request pushes one) is left for the
/// owner to find when the timer fires, and to wait again for. Re-arming a
/// timer per request cost more than the rest of a connection's bookkeeping
/// (and, with one connection, a timerfd_settime each time).
class earliest_timer {
public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit earliest_timer(const boost::asio::any_io_executor& executor) : timer_(executor) {
  }

  /// Makes sure the timer fires at `when` or earlier; then `on_fire` runs
  /// on the timer's executor, unless the timer was cancelled or moved
  /// earlier meanwhile. `on_fire` must keep the timer's owner alive.
  template <class F>
  void fire_by(time_point when, F on_fire) {
    if (when >= armed_for_)
      return;
    armed_for_ = when;
    timer_.expires_at(when);
    timer_.async_wait([this, when, on_fire = std::move(on_fire)](boost::system::error_code ec) {
      if (ec || armed_for_ != when)
        return; // cancelled, or moved to an earlier time
      armed_for_ = time_point::max();
      on_fire();
    });
  }

  void cancel() {
    timer_.cancel();
  }

private:
  boost::asio::steady_timer timer_;
  time_point armed_for_ = time_point::max();
};

} // namespace actorserve
