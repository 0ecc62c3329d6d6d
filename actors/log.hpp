#pragma once

#include <string>

// One line per event on stderr, written with a single write so lines from
// threads do not interleave. As text (the default):
//   <UTC time> actorserve[<pid>] [<label> ]<level>: [request <id>: ]<text>
// or as JSON, one object per line:
//   {"time":..., "level":..., "pid":..., "process":<label>, "request_id":..., "message":...}
namespace actorserve::log {

enum class level { debug, info, warning, error };
enum class format { text, json };

/// Lines below `lowest` are not written (default: info). Thread-safe.
void set_level(level lowest);
/// How lines are written (default: text). Thread-safe.
void set_format(format f);
format current_format();
/// Whether a line at `l` would be written: skip building one that is not.
bool enabled(level l);

/// "debug", "info", "warning" or "error"; throws std::invalid_argument.
level parse_level(const std::string& text);
/// "text" or "json"; throws std::invalid_argument.
format parse_format(const std::string& text);

/// `request_id` names the request the line is about (empty: none).
void debug(const std::string& text, const std::string& request_id = {});
void info(const std::string& text, const std::string& request_id = {});
void warning(const std::string& text, const std::string& request_id = {});
void error(const std::string& text, const std::string& request_id = {});

/// `text` as a log line may carry it: backslashes, quotes, control bytes,
/// DEL and every byte outside ASCII written as \xHH, so what a client sent
/// can neither start a line nor pass for an escape (the log and the access
/// log both write a peer's bytes through it).
std::string printable(const std::string& text);

/// Names this process in every later line (e.g. "worker 2"), after its pid.
void set_label(const std::string& label);

} // namespace actorserve::log
