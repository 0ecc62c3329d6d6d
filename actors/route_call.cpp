#include "actors/route_call.hpp"

#include <caf/send.hpp>

#include "actors/error_type.hpp"
#include "actors/runtime/child_call.hpp"
#include "actors/runtime/reply_callback.hpp"
#include "actors/runtime/route_directory.hpp"

namespace actorserve {

deferred_reply call_route(const call& parent, std::string path, json input,
                          std::optional<std::chrono::nanoseconds> timeout) {
  auto target = find_route(parent, path);
  if (target.refusal)
    return deferred_reply::ready(std::move(*target.refusal));
  auto child = child_call(parent, std::move(path), std::move(input), timeout,
                          parent.routes->now());
  deferred_reply result;
  caf::anon_send(target.gate, call_atom::value, std::move(child),
                 reply_callback{[result](reply r) { result.complete(std::move(r)); }});
  return result;
}

} // namespace actorserve
