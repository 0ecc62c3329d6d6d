#pragma once

// For benchmarks that drive a real service: start it, wait for its line
// beginning with "ready", read its fields; and the medians they report.
#include <sys/types.h>

#include <string>
#include <vector>

namespace actorserve::bench {

struct ready_process {
  pid_t pid;
  std::string ready_line;
};

/// Starts `argv[0]` with its stdout on a pipe and returns once it printed
/// its ready line; throws std::runtime_error if it did not.
ready_process start_ready(const std::vector<std::string>& argv);

/// The value of ` key=value` in a ready line; throws when it is not there.
std::string ready_field(const std::string& line, const std::string& key);

/// The median of some figures (by value: it sorts them).
double median(std::vector<double> v);

} // namespace actorserve::bench
