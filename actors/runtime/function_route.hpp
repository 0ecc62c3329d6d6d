#pragma once

#include <cstdint>
#include <functional>
#include <unordered_map>

#include <caf/response_promise.hpp>

#include <caf/event_based_actor.hpp>

#include "actors/call.hpp"
#include "actors/reply.hpp"
#include "actors/route_function.hpp"

namespace actorserve {

/// Runs a plain function route for one call, which may take the call's
/// input: an exception it throws becomes an error reply named after it.
reply run_route_function(const route_function& fn, call& request);

/// The actor that runs a plain function route. An exception the function
/// throws answers that call with an error named after it.
class function_route : public caf::event_based_actor {
public:
  function_route(caf::actor_config& cfg, route_function fn);

  caf::behavior make_behavior() override;

private:
  route_function fn_;
  // Calls whose function returned a deferred_reply, until it completes.
  std::unordered_map<std::uint64_t, caf::response_promise> deferred_;
  std::uint64_t next_deferred_ = 1;
};

} // namespace actorserve
