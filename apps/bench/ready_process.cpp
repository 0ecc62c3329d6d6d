#include "apps/bench/ready_process.hpp"

#include <spawn.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

extern char** environ;

namespace actorserve::bench {

ready_process start_ready(const std::vector<std::string>& argv) {
  int out[2];
  if (::pipe(out) != 0)
    throw std::runtime_error("pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ready_process p{-1, {}};
  if (posix_spawn(&p.pid, argv[0].c_str(), &actions, nullptr, args.data(), environ) != 0)
    throw std::runtime_error("cannot start " + argv[0]);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  char ch;
  while (::read(out[0], &ch, 1) == 1 && ch != '\n')
    p.ready_line += ch;
  ::close(out[0]);
  if (p.ready_line.rfind("ready", 0) != 0)
    throw std::runtime_error(argv[0] + " did not get ready: " + p.ready_line);
  return p;
}

std::string ready_field(const std::string& line, const std::string& key) {
  auto at = line.find(" " + key + "=");
  if (at == std::string::npos)
    throw std::runtime_error("no " + key + " in: " + line);
  auto start = at + key.size() + 2;
  return line.substr(start, line.find(' ', start) - start);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

} // namespace actorserve::bench
