#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

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

/// Why `parent`'s route cannot call the route at `path` (NotFound: the
/// service has no such route, or the call came from outside a gate and
/// carries no route table), or nothing when it can.
std::optional<reply> route_missing(const call& parent, const std::string& path);

} // namespace actorserve
