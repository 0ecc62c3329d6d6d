#include "gateways/http/error_status.hpp"

#include "actors/error_type.hpp"

namespace actorserve::http {

unsigned error_status(const std::string& type) {
  using namespace error_type;
  if (type == bad_request)
    return 400;
  if (type == forbidden)
    return 403;
  if (type == not_found)
    return 404;
  if (type == method_not_allowed)
    return 405;
  if (type == payload_too_large)
    return 413;
  if (type == worker_lost)
    return 502;
  if (type == cancelled)
    return 499; // Client Closed Request (nginx's): the client left first
  if (type == call_depth_exceeded)
    return 508; // Loop Detected
  if (type == backlog_full || type == shutting_down)
    return 503;
  if (type == timeout)
    return 504;
  return 500;
}

} // namespace actorserve::http
