#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace actorserve {

/// Says that a call's caller has given up: its client left (an HTTP or
/// socket connection closed, a FIFO peer went away), or its parent call
/// timed out. A gateway puts one in each call (call::cancel) and cancels it
/// when the client goes; a gate drops a cancelled call that has not started
/// to run, and a route's calls to routes carry a child of it.
///
/// Thread-safe; cancelling twice does nothing more.
class cancel_token {
public:
  cancel_token() = default;

  cancel_token(const cancel_token&) = delete;
  cancel_token& operator=(const cancel_token&) = delete;

  void cancel();

  bool cancelled() const noexcept {
    return cancelled_.load(std::memory_order_acquire);
  }

  /// Runs `on_cancel` when the token is cancelled: at once (on this thread)
  /// if it already is, else on the thread that cancels it. Keep it short.
  void on_cancel(std::function<void()> on_cancel);

  /// A token cancelled with this one (and cancelled already if this one is).
  std::shared_ptr<cancel_token> child();

private:
  std::atomic<bool> cancelled_{false};
  std::mutex mutex_;
  std::vector<std::function<void()>> listeners_;
  std::vector<std::weak_ptr<cancel_token>> children_;
};

} // namespace actorserve
