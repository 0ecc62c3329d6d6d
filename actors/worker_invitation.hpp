#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "actors/worker_options.hpp"

namespace actorserve {

/// The invitation a supervisor gives the worker processes it starts, in
/// their environment: ACTORSERVE_LINK_FD (the descriptor of the worker's
/// end of its link, a socket pair the supervisor made), ACTORSERVE_SECRET
/// and ACTORSERVE_WORKER_INDEX. Returns it, and removes the three variables
/// from this process's environment (nothing started later sees the secret),
/// or std::nullopt when this process was not started as a worker. Throws
/// std::invalid_argument if ACTORSERVE_LINK_FD names no socket.
///
/// A program that serves with workers calls it first thing in main and,
/// when it answers, runs as that worker (see docs/workers.md).
std::optional<join_options> take_worker_invitation();

/// Splits "host:port" or "[v6]:port"; throws std::invalid_argument naming
/// `what` when it is not one.
std::pair<std::string, std::uint16_t> parse_host_port(const std::string& text,
                                                       const std::string& what);

} // namespace actorserve
