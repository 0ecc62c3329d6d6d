#include "actors/workers/worker_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

extern char** environ;

namespace actorserve {

namespace {

/// This process's own arguments, as the kernel keeps them.
std::vector<std::string> own_arguments() {
  std::ifstream in{"/proc/self/cmdline", std::ios::binary};
  std::string all{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  std::vector<std::string> args;
  std::string::size_type start = 0;
  while (start < all.size()) {
    auto end = all.find('\0', start);
    if (end == std::string::npos)
      end = all.size();
    args.push_back(all.substr(start, end - start));
    start = end + 1;
  }
  if (args.empty())
    throw std::runtime_error("cannot read this process's arguments from /proc/self/cmdline");
  return args;
}

std::string describe(int status) {
  if (WIFEXITED(status))
    return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    auto sig = WTERMSIG(status);
    return "was killed by signal " + std::to_string(sig) + " (" + ::strsignal(sig) + ")";
  }
  return "ended (wait status " + std::to_string(status) + ")";
}

} // namespace

worker_process::worker_process(const std::vector<std::pair<std::string, std::string>>& env,
                               int link) {
  auto args = own_arguments();
  std::vector<std::string> env_text;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry{*e};
    bool replaced = false;
    for (auto& [k, v] : env)
      if (entry.compare(0, k.size() + 1, k + "=") == 0)
        replaced = true;
    if (!replaced)
      env_text.push_back(std::move(entry));
  }
  for (auto& [k, v] : env)
    env_text.push_back(k + "=" + v);
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_text)
    envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  // Every signal at its default: nothing this process ignores (or was told
  // to ignore by whoever started it) carries over.
  sigset_t defaults;
  sigfillset(&defaults);
  sigdelset(&defaults, SIGKILL);
  sigdelset(&defaults, SIGSTOP);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
                                    | POSIX_SPAWN_SETPGROUP);
  // dup2 onto itself would leave close-on-exec set: move the link first.
  int moved = -1;
  if (link == link_descriptor) {
    moved = ::fcntl(link, F_DUPFD_CLOEXEC, link_descriptor + 1);
    if (moved < 0) {
      posix_spawnattr_destroy(&attr);
      throw std::runtime_error("cannot start a worker process: " + std::string(std::strerror(errno)));
    }
    link = moved;
  }
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  // Listening sockets and connections of this process must not live on in a
  // worker: keep only stdin, stdout, stderr and the worker's link.
  posix_spawn_file_actions_adddup2(&files, link, link_descriptor);
  posix_spawn_file_actions_addclosefrom_np(&files, link_descriptor + 1);
  auto rc = ::posix_spawn(&pid_, "/proc/self/exe", &files, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&files);
  if (moved >= 0)
    ::close(moved);
  posix_spawnattr_destroy(&attr);
  if (rc != 0)
    throw std::runtime_error("cannot start a worker process: " + std::string(std::strerror(rc)));
}

worker_process::~worker_process() {
  if (exit_)
    return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

std::optional<std::string> worker_process::poll_exit() {
  if (exit_)
    return exit_;
  int status = 0;
  auto rc = ::waitpid(pid_, &status, WNOHANG);
  if (rc == pid_)
    exit_ = describe(status);
  else if (rc < 0 && errno == ECHILD)
    exit_ = "was reaped elsewhere";
  return exit_;
}

void worker_process::signal(int sig) {
  if (!exit_)
    ::kill(pid_, sig);
}

} // namespace actorserve
