#include "actors/runtime/child_call.hpp"

#include <atomic>

#include "actors/cancel_token.hpp"
#include "actors/error_type.hpp"
#include "actors/runtime/route_directory.hpp"

namespace actorserve {

std::uint64_t new_call_id() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

call child_call(const call& parent, std::string path, json input,
                std::optional<std::chrono::nanoseconds> timeout, deadline_point now) {
  call child;
  child.path = std::move(path);
  child.input = std::move(input);
  child.deadline = parent.deadline;
  if (timeout && *timeout < parent.deadline - now)
    child.deadline = now + *timeout;
  child.id = new_call_id();
  child.parent = parent.id;
  child.request_id = parent.request_id;
  // Saturates: a depth past any limit stays past it.
  child.depth = parent.depth == UINT32_MAX ? parent.depth : parent.depth + 1;
  child.routes = parent.routes;
  // Given up with its parent: a parent that timed out or was dropped
  // starts no further children, and those waiting are dropped.
  if (parent.cancel)
    child.cancel = parent.cancel->child();
  return child;
}

route_target find_route(const call& parent, const std::string& path) {
  if (!parent.routes)
    return {{}, reply::failure(error_type::not_found,
                               "no route " + path + " to call: the call to " + parent.path
                                 + " came from outside a route gate and carries no route table")};
  if (auto gate = parent.routes->find(path))
    return {std::move(gate), std::nullopt};
  return {{}, reply::failure(error_type::not_found,
                             "no route " + path + " (called from " + parent.path + ")")};
}

} // namespace actorserve
