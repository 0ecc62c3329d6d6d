#include "actors/runtime/function_route.hpp"

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include "actors/deferred_reply.hpp"
#include "actors/runtime/atoms.hpp"
#include "actors/runtime/exception_name.hpp"
#include "actors/runtime/local_only.hpp"

namespace actorserve {

function_route::function_route(caf::actor_config& cfg, route_function fn)
  : caf::event_based_actor(cfg), fn_(std::move(fn)) {
}

reply run_route_function(const route_function& fn, call& request) {
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
    [this](call_atom, call& request) -> caf::result<reply> {
      auto r = run_route_function(fn_, request);
      auto later = deferred_reply::of(r);
      if (!later.valid())
        return r;
      // It completes on another actor's thread: the promise is delivered
      // here, in this actor, when the message comes.
      auto key = next_deferred_++;
      auto promise = make_response_promise();
      deferred_.emplace(key, promise);
      later.on_complete([self = caf::actor_cast<caf::actor>(this), key](reply done) {
        caf::anon_send(self, deferred_atom::value, key, std::move(done), local_only{});
      });
      return promise;
    },
    [this](deferred_atom, std::uint64_t key, reply& r, local_only) {
      auto it = deferred_.find(key);
      if (it == deferred_.end())
        return;
      it->second.deliver(std::move(r));
      deferred_.erase(it);
    },
  };
}

} // namespace actorserve
