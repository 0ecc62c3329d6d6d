#include "actors/route_actor.hpp"

#include "actors/error_type.hpp"
#include "actors/runtime/child_call.hpp"
#include "actors/runtime/exception_name.hpp"
#include "actors/runtime/route_directory.hpp"

namespace actorserve {

reply route_response::gone(const caf::error& err) {
  return reply::failure(error_type::route_failed,
                        "the route called did not answer: " + caf::to_string(err));
}

route_response route_actor::call_route(const call& parent, std::string path, json input,
                                       std::optional<std::chrono::nanoseconds> timeout) {
  // An invalid receiver makes CAF answer the request with an error at once
  // (asynchronously, like any reply): the refusal then stands for it.
  auto target = find_route(parent, path);
  if (target.refusal)
    return route_response{request(caf::actor{}, caf::infinite, call_atom::value, parent),
                          std::move(target.refusal)};
  auto child = child_call(parent, std::move(path), std::move(input), timeout, clock().now());
  return route_response{request(target.gate, caf::infinite, call_atom::value, std::move(child)),
                        std::nullopt};
}

route_actor::route_actor(caf::actor_config& cfg, worker_context context)
  : caf::event_based_actor(cfg), context_(std::move(context)) {
}

caf::message_handler route_actor::extra_handlers() {
  return {};
}

caf::behavior route_actor::make_behavior() {
  caf::message_handler calls{
    [this](call_atom, const call& request) -> caf::result<reply> {
      try {
        return handle(request);
      } catch (const std::exception& e) {
        return reply::failure(exception_name(e), e.what());
      }
    },
  };
  auto extra = extra_handlers();
  if (!extra)
    return calls;
  return calls.or_else(extra);
}

} // namespace actorserve
