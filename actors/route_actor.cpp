#include "actors/route_actor.hpp"

#include "actors/runtime/exception_name.hpp"

namespace actorserve {

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
