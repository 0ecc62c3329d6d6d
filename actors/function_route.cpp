#include "actors/function_route.hpp"

#include "actors/atoms.hpp"
#include "actors/exception_name.hpp"

namespace actorserve {

function_route::function_route(caf::actor_config& cfg, route_function fn)
  : caf::event_based_actor(cfg), fn_(std::move(fn)) {
}

caf::behavior function_route::make_behavior() {
  return {
    [this](call_atom, const call& request) -> reply {
      try {
        return fn_(request);
      } catch (const std::exception& e) {
        return reply::failure(exception_name(e), e.what());
      }
    },
  };
}

} // namespace actorserve
