#include "actors/runtime/function_route.hpp"

#include "actors/runtime/exception_name.hpp"

namespace actorserve {

function_route::function_route(caf::actor_config& cfg, route_function fn)
  : caf::event_based_actor(cfg), fn_(std::move(fn)) {
}

reply run_route_function(const route_function& fn, const call& request) {
  try {
    return fn(request);
  } catch (const std::exception& e) {
    return reply::failure(exception_name(e), e.what());
  } catch (...) {
    return reply::failure("UnknownException", "the route threw something that is not a std::exception");
  }
}

caf::behavior function_route::make_behavior() {
  return {
    [this](call_atom, const call& request) -> reply {
      return run_route_function(fn_, request);
    },
  };
}

} // namespace actorserve
