#pragma once

#include <signal.h>

#include <functional>
#include <mutex>
#include <thread>

namespace actorserve {

/// Turns SIGINT and SIGTERM into calls of `on_signal(count)` on a thread of
/// its own (count 1 for the first signal, 2 for the second, ...).
///
/// Construct it before any other thread starts (the actor system included):
/// it blocks both signals in the calling thread, and threads started later
/// inherit that, so the signals reach only this watcher. The destructor
/// restores the previous signal mask.
class signal_watcher {
public:
  explicit signal_watcher(std::function<void(int)> on_signal);
  ~signal_watcher();

  /// From now on signals are taken and dropped: `on_signal` is not called
  /// again (a call under way has ended when this returns). For an owner that
  /// is going away while the signals must stay blocked.
  void mute();

  signal_watcher(const signal_watcher&) = delete;
  signal_watcher& operator=(const signal_watcher&) = delete;

private:
  void run();

  std::function<void(int)> on_signal_;
  std::mutex callback_mutex_;
  bool muted_ = false;
  sigset_t previous_mask_;
  int signal_fd_ = -1;
  int wake_fd_ = -1;
  std::thread thread_;
};

} // namespace actorserve
