#pragma once

// The error types shared by every gateway (see docs/architecture.md). A
// program branches on these strings; each gateway maps them to its wire
// (HTTP statuses, socket `error` records, FIFO error replies).
#include <string>

#include "actors/json.hpp"

namespace actorserve::error_type {

inline constexpr const char* bad_request = "BadRequest";
inline constexpr const char* not_found = "NotFound";
inline constexpr const char* method_not_allowed = "MethodNotAllowed";
/// A request the service will not take from this client: a stop without the
/// stop token, an HTTP request from another site or for another host name.
inline constexpr const char* forbidden = "Forbidden";
inline constexpr const char* payload_too_large = "PayloadTooLarge";
inline constexpr const char* timeout = "Timeout";
inline constexpr const char* backlog_full = "BacklogFull";
inline constexpr const char* shutting_down = "ShuttingDown";
inline constexpr const char* worker_lost = "WorkerLost";
/// A client lost its connection to the service before the reply came.
inline constexpr const char* connection_lost = "ConnectionLost";
/// A route called a route (which called a route...) deeper than
/// node_options::max_call_depth allows.
inline constexpr const char* call_depth_exceeded = "CallDepthExceeded";
/// An ensemble member failed (fail_fast), or every member did.
inline constexpr const char* ensemble_error = "EnsembleError";
/// A switch_route's selector picked no member it has.
inline constexpr const char* switch_error = "SwitchError";
/// The call's caller gave up (its client left, or its parent call timed
/// out) before it ran; nobody reads this answer but a log.
inline constexpr const char* cancelled = "Cancelled";
/// A route actor that died without answering (and was not a route_actor
/// whose handler threw a named exception).
inline constexpr const char* route_failed = "RouteFailed";

} // namespace actorserve::error_type

namespace actorserve {

/// An error as every wire carries it: `{"type": ..., "message": ...}`.
inline json error_body(const std::string& type, const std::string& message) {
  return json{{"type", type}, {"message", message}};
}

} // namespace actorserve
