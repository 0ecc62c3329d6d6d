#include "actors/runtime/signal_watcher.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <system_error>

#include "actors/thread_name.hpp"

namespace actorserve {

signal_watcher::signal_watcher(std::function<void(int)> on_signal)
  : on_signal_(std::move(on_signal)) {
  sigset_t watched;
  sigemptyset(&watched);
  sigaddset(&watched, SIGINT);
  sigaddset(&watched, SIGTERM);
  if (pthread_sigmask(SIG_BLOCK, &watched, &previous_mask_) != 0)
    throw std::system_error(errno, std::generic_category(), "pthread_sigmask");
  auto undo = [this] {
    if (signal_fd_ >= 0)
      ::close(signal_fd_);
    if (wake_fd_ >= 0)
      ::close(wake_fd_);
    pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
  };
  signal_fd_ = signalfd(-1, &watched, SFD_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_CLOEXEC);
  if (signal_fd_ < 0 || wake_fd_ < 0) {
    auto err = errno;
    undo();
    throw std::system_error(err, std::generic_category(), "signalfd/eventfd");
  }
  try {
    thread_ = std::thread([this] { run(); });
    name_thread(thread_, thread_names::signal_watcher);
  } catch (...) {
    undo();
    throw;
  }
}

signal_watcher::~signal_watcher() {
  std::uint64_t one = 1;
  auto ignored = ::write(wake_fd_, &one, sizeof one);
  (void) ignored;
  thread_.join();
  ::close(signal_fd_);
  ::close(wake_fd_);
  pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

void signal_watcher::run() {
  int count = 0;
  for (;;) {
    pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      return;
    }
    if (fds[1].revents != 0)
      return;
    signalfd_siginfo info;
    if (::read(signal_fd_, &info, sizeof info) != sizeof info)
      continue;
    std::lock_guard<std::mutex> guard{callback_mutex_};
    if (!muted_)
      on_signal_(++count);
  }
}

void signal_watcher::mute() {
  std::lock_guard<std::mutex> guard{callback_mutex_};
  muted_ = true;
}

} // namespace actorserve
