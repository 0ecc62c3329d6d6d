#include "actors/process_metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace actorserve::metrics {

namespace {

void add(snapshot& s, const char* name, const char* help, kind type, double value) {
  s.push_back(family{name, help, type, {sample{"", {}, value}}});
}

/// The system's boot time (seconds since the epoch), from /proc/stat.
bool boot_time(double& out) {
  std::ifstream in{"/proc/stat"};
  std::string key;
  while (in >> key) {
    if (key == "btime")
      return static_cast<bool>(in >> out);
    in.ignore(1 << 20, '\n');
  }
  return false;
}

int open_fds() {
  auto dir = ::opendir("/proc/self/fd");
  if (dir == nullptr)
    return -1;
  int n = 0;
  while (auto entry = ::readdir(dir))
    if (entry->d_name[0] != '.')
      ++n;
  ::closedir(dir);
  return n - 1; // the one opendir holds
}

} // namespace

void add_process_metrics(snapshot& s) {
  double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  std::ifstream stat{"/proc/self/stat"};
  std::string line;
  if (std::getline(stat, line) && ticks > 0) {
    // The command name (field 2) may hold spaces and parentheses: the
    // fields after it start past its last ')'.
    auto close = line.rfind(')');
    if (close != std::string::npos) {
      std::istringstream rest{line.substr(close + 1)};
      std::string field;
      double utime = 0, stime = 0, start = 0, vsize = 0, rss = 0;
      // Fields 3..: state ppid pgrp session tty tpgid flags minflt cminflt
      // majflt cmajflt utime(14) stime(15) ... starttime(22) vsize(23) rss(24).
      bool read = true;
      for (int i = 3; i <= 24 && read; ++i) {
        read = static_cast<bool>(rest >> field);
        if (!read)
          break;
        if (i == 14)
          utime = std::stod(field);
        else if (i == 15)
          stime = std::stod(field);
        else if (i == 22)
          start = std::stod(field);
        else if (i == 23)
          vsize = std::stod(field);
        else if (i == 24)
          rss = std::stod(field);
      }
      if (read) {
        add(s, "process_cpu_seconds_total", "User and system CPU time spent in seconds.",
            kind::counter, (utime + stime) / ticks);
        add(s, "process_resident_memory_bytes", "Resident memory size in bytes.", kind::gauge,
            rss * page);
        add(s, "process_virtual_memory_bytes", "Virtual memory size in bytes.", kind::gauge,
            vsize);
        double boot = 0;
        if (boot_time(boot))
          add(s, "process_start_time_seconds",
              "Start time of the process since unix epoch in seconds.", kind::gauge,
              boot + start / ticks);
      }
    }
  }
  auto fds = open_fds();
  if (fds >= 0)
    add(s, "process_open_fds", "Number of open file descriptors.", kind::gauge, fds);
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
    add(s, "process_max_fds", "Maximum number of open file descriptors.", kind::gauge,
        static_cast<double>(limit.rlim_cur));
}

} // namespace actorserve::metrics
