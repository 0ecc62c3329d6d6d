#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include <caf/event_based_actor.hpp>
#include <caf/message.hpp>
#include <caf/message_handler.hpp>
#include <caf/response_handle.hpp>
#include <caf/result.hpp>

#include "actors/call.hpp"
#include "actors/reply.hpp"
#include "actors/worker_context.hpp"

namespace actorserve {

/// A call a stateful route made to a route (route_actor::call_route): chain
/// on it with `then(f)`, where `f` takes the `reply` (a value or the
/// route's error). `f` runs in the actor, like any of its handlers.
class route_response {
public:
  using handle_type = caf::response_handle<caf::event_based_actor, caf::message, false>;

  route_response(handle_type handle, std::optional<reply> refusal)
    : handle_(std::move(handle)), refusal_(std::move(refusal)) {
  }

  template <class F>
  void then(F f) const {
    // The gate answers every call with a reply; an error here means the
    // call never reached a gate (refusal_ says why) or the gate is gone.
    handle_.then([f](reply& r) mutable { f(std::move(r)); },
                 [f, refusal = refusal_](caf::error& err) mutable {
                   f(refusal ? *refusal : gone(err));
                 });
  }

private:
  static reply gone(const caf::error& err);

  handle_type handle_;
  std::optional<reply> refusal_;
};

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

  /// Calls the route at `path` of this service for the call `parent` this
  /// actor is answering, without blocking (see call_route in
  /// route_call.hpp for deadlines, parents and errors); chain on the
  /// result with `then`.
  route_response call_route(const call& parent, std::string path, json input = nullptr,
                            std::optional<std::chrono::nanoseconds> timeout = std::nullopt);

  /// Handlers for the actor's own messages (timers, answers it awaits).
  virtual caf::message_handler extra_handlers();

private:
  caf::behavior make_behavior() final;

  worker_context context_;
};

} // namespace actorserve
