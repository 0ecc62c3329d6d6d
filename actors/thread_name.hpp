#pragma once

// Names for the threads actorserve starts, as `top -H`, `ps -L`, perf and
// /proc/PID/task/TID/comm show them (CAF names its own: caf.multiplexer,
// caf.clock, caf.actor).
#include <thread>

namespace actorserve {

/// Names a thread, from the thread that started it: the name is set before
/// the starter goes on (a service says it is ready only after), not
/// whenever the new thread first runs. Linux keeps 15 bytes of a name; ours
/// fit.
void name_thread(std::thread& thread, const char* name) noexcept;

namespace thread_names {
inline constexpr const char* http_io = "as-http-io";
inline constexpr const char* socket_io = "as-socket-io";
inline constexpr const char* socket_client_reader = "as-client-read";
inline constexpr const char* fifo_reader = "as-fifo-read";
inline constexpr const char* fifo_writer = "as-fifo-write";
inline constexpr const char* signal_watcher = "as-signals";
inline constexpr const char* link_listener = "as-link-listen";
} // namespace thread_names

} // namespace actorserve
