#pragma once

#include <string>

// The service manager's notify protocol (systemd's sd_notify(3), for a unit
// of Type=notify), written here rather than linked from libsystemd: one
// datagram of "KEY=value" lines on an AF_UNIX socket whose address the
// manager gives in NOTIFY_SOCKET, a path ("/run/systemd/notify") or an
// abstract name ("@..."). Without NOTIFY_SOCKET, every call does nothing.
namespace actorserve {

/// Reads NOTIFY_SOCKET and removes it from this process's environment, so
/// that the processes it starts (its worker processes) never speak to the
/// service manager as if they were the service. Later notifications go to
/// the socket it read; called again, it reads the environment afresh (and
/// with no NOTIFY_SOCKET there, forgets the socket).
///
/// A program run under a service manager calls it first thing in main,
/// before any thread or worker process starts (as take_worker_invitation).
void take_notify_socket();

/// Sends `state` (one or more "KEY=value" lines, as "READY=1") in one
/// datagram to the socket take_notify_socket read. True once sent; false
/// when there is no socket, or when the address is not one (relative, or
/// too long for a Unix socket address), or when sending failed. The first
/// failure logs a warning; later ones are silent. Never throws.
bool notify_service_manager(const std::string& state) noexcept;

/// "READY=1", this process's pid as MAINPID and `status` (one line, what
/// `systemctl status` shows): the service serves.
bool notify_ready(const std::string& status) noexcept;

/// "STOPPING=1": the service began its shutdown.
bool notify_stopping() noexcept;

} // namespace actorserve
