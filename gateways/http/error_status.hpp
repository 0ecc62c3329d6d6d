#pragma once

#include <string>

namespace actorserve::http {

/// The HTTP status an error type answers with: BadRequest 400, NotFound
/// 404, MethodNotAllowed 405, PayloadTooLarge 413, WorkerLost 502,
/// BacklogFull and ShuttingDown 503 (with Retry-After), Timeout 504; any
/// other type (a route's own error) 500.
unsigned error_status(const std::string& type);

} // namespace actorserve::http
