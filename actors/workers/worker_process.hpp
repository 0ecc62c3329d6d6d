#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace actorserve {

/// A child process running this same executable, with this process's
/// arguments, as a worker. It gets the invitation through its environment
/// (never its command line, which any user of the host can read), starts in
/// a process group of its own (a terminal's Ctrl-C reaches the supervisor,
/// which then stops the workers in order), with default signal handling and
/// none of this process's open files but one: its end of the link to the
/// supervisor, as descriptor 3.
class worker_process {
public:
  /// The descriptor the child finds its link at.
  static constexpr int link_descriptor = 3;

  /// Starts the child with `env` added to this process's environment and
  /// `link` as its descriptor 3 (the parent keeps its own copy open); throws
  /// std::runtime_error if it cannot be started.
  worker_process(const std::vector<std::pair<std::string, std::string>>& env, int link);

  /// Kills the child (SIGKILL) if it still runs, and reaps it.
  ~worker_process();

  worker_process(const worker_process&) = delete;
  worker_process& operator=(const worker_process&) = delete;

  pid_t pid() const noexcept {
    return pid_;
  }

  /// Once the child has exited: how ("exited with status 1", "killed by
  /// signal 9 (Killed)"); std::nullopt while it runs. Never blocks.
  std::optional<std::string> poll_exit();

  /// Sends a signal unless the child has been reaped.
  void signal(int sig);

private:
  pid_t pid_ = -1;
  std::optional<std::string> exit_;
};

} // namespace actorserve
