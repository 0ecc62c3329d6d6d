#pragma once

#include <functional>
#include <string>

#include "actors/application.hpp"
#include "gateways/http/server_options.hpp"

namespace actorserve::http {

/// Serves `app` over HTTP until the shutdown broadcast has run (POST to
/// `stop_path`, stop_server(server_id), SIGINT or SIGTERM), then returns.
/// Throws std::invalid_argument for options it cannot honour (see
/// server_options::check, and worker_options::check for the workers: e.g.
/// workers = 0 without `pool.node_port`, a worker_contexts of the wrong
/// length) and std::runtime_error when it cannot listen or a route or worker
/// fails to start.
///
/// In a process started as a worker of such a server (see
/// take_worker_invitation) it serves as that worker instead, and returns when
/// the server stops.
/// `on_ready`, when given, is called with the endpoint once it serves.
void start_server(const application& app, const server_options& options = {},
                  const std::function<void(const std::string& endpoint)>& on_ready = {});

/// Starts the shutdown of the server started with `server_id` in this
/// process; the caller's own response is still delivered. Callable from a
/// route. An unknown id does nothing, and says so in the log.
void stop_server(const std::string& server_id = "0");

} // namespace actorserve::http
