#pragma once

#include <optional>
#include <string>

#include "actors/log.hpp"
#include "actors/node.hpp"
#include "actors/worker_options.hpp"
#include "gateways/fifo/fifo_server.hpp"
#include "gateways/http/server_options.hpp"
#include "gateways/socket/socket_options.hpp"

namespace actorserve::example {

/// What actorserve-example serves, and how, from its command line.
struct example_options {
  node_options node;
  /// The gateways: each is on when its flag says so; with none named, HTTP
  /// on 127.0.0.1:8000.
  bool http_on = false;
  http::server_options http;
  socket::socket_options unix_socket; ///< on when its path is set
  bool tcp_on = false;
  socket::socket_options tcp_socket;
  fifo::fifo_options fifo; ///< on when its path is set
  /// GET /metrics (and /healthz) alone, on a port of its own.
  bool metrics_port_on = false;
  http::server_options metrics_http;
  log::level log_level = log::level::info;
  log::format log_format = log::format::text;
  bool show_help = false;
  /// The option list, for --help.
  std::string help;
  /// With --print-config: the effective configuration as TOML.
  std::string effective_config;
};

/// Reads the options from the command line, ACTORSERVE_* variables and a
/// --config file (docs/operations.md). `invitation` is set when the process was
/// started as a worker (it then joins its supervisor). Throws usage_error
/// (with the option and the reason) for a command line that does not fit,
/// options a node would refuse included.
example_options parse_example_options(int argc, char** argv,
                                      const std::optional<join_options>& invitation);

} // namespace actorserve::example
