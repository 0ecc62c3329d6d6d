#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <caf/actor.hpp>

#include "actors/call.hpp"
#include "actors/reply.hpp"

namespace actorserve {

/// A call id unique in this process, for logs and for a child's `parent`.
std::uint64_t new_call_id();

/// The call that `parent`'s route makes to the route at `path`: one level
/// deeper, with `parent`'s id as its parent, the same route table, and what
/// is left of `parent`'s deadline (or `timeout` from `now`, when that comes
/// first: a child never has longer than its parent).
call child_call(const call& parent, std::string path, json input,
                std::optional<std::chrono::nanoseconds> timeout, deadline_point now);

/// The gate `parent`'s route calls for `path`, or why it cannot (NotFound:
/// the service has no such route, or the call came from outside a gate and
/// carries no route table).
struct route_target {
  caf::actor gate;
  std::optional<reply> refusal; // set when gate is not
};

route_target find_route(const call& parent, const std::string& path);

} // namespace actorserve
