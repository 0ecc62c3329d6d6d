#pragma once

#include <string>

// One line per event on stderr: `<UTC time> actorserve[<pid>] <level>: <text>`,
// written with a single write so lines from threads do not interleave.
namespace actorserve::log {

void info(const std::string& text);
void warning(const std::string& text);
void error(const std::string& text);

/// Names this process in every later line (e.g. "worker 2"), after its pid.
void set_label(const std::string& label);

} // namespace actorserve::log
