#pragma once

#include <caf/event_based_actor.hpp>
#include <caf/message_handler.hpp>
#include <caf/result.hpp>

#include "actors/call.hpp"
#include "actors/reply.hpp"
#include "actors/worker_context.hpp"

namespace actorserve {

/// The base of a stateful route. Its constructor receives the worker_context
/// and is the place for set-up (load a model, open a file); `on_exit()` and
/// the destructor are the place for tear-down.
///
/// Implement `handle`. Answer at once by returning a json or a
/// `reply::failure(...)`, or later: return `make_response_promise<reply>()`
/// and deliver it from a timer or another actor's answer (`extra_handlers`
/// receives the actor's own messages).
///
/// A `handle` that throws answers that call with an error named after the
/// exception (see exception_name.hpp); the actor and its state live on.
class route_actor : public caf::event_based_actor {
public:
  route_actor(caf::actor_config& cfg, worker_context context);

  const worker_context& context() const noexcept {
    return context_;
  }

protected:
  virtual caf::result<reply> handle(const call& request) = 0;

  /// Handlers for the actor's own messages (timers, answers it awaits).
  virtual caf::message_handler extra_handlers();

private:
  caf::behavior make_behavior() final;

  worker_context context_;
};

} // namespace actorserve
