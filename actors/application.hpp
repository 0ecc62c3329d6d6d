#pragma once

#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/spawn_options.hpp>

#include "actors/call.hpp"
#include "actors/composition.hpp"
#include "actors/deferred_reply.hpp"
#include "actors/route_function.hpp"
#include "actors/reply.hpp"
#include "actors/route_options.hpp"
#include "actors/worker_context.hpp"

namespace actorserve {

/// Makes one instance of a route: an actor that answers `(call_atom, call)`
/// with a `reply`. Spawn it detached when `options.blocking` is set.
using route_factory = std::function<caf::actor(
  caf::actor_system&, const worker_context&, const route_options&)>;

/// One entry of the route table.
struct route_spec {
  std::string path;
  route_options options;
  route_factory factory;
  /// For a plain function route, the function itself: a gate may run a
  /// non-blocking one in place, without an instance actor.
  route_function function;
  /// For a composition, its tree: it runs in every process that has the
  /// route table (never dispatched to workers); its members may be.
  std::shared_ptr<const composition> composite;
  /// The function takes no call and answers with a value, never a reply
  /// that comes later: it calls no routes, so a gateway's thread may run it
  /// in place of its gate (in_place_route.hpp) when it does not block.
  bool function_answers_at_once = false;
};

/// The route table: what a service serves, independent of where (which
/// process) and how (which gateway). Build it once; a node starts it.
class application {
public:
  /// A plain function: `json(json)`, `json(const json&)`, `json()` or
  /// `reply(const call&)` (return json, reply or deferred_reply alike: the
  /// last when it calls routes, route_call.hpp). A function that takes its
  /// input by value gets it moved out of the call, not copied: take it so
  /// when the route changes or returns it. Throwing answers the call with an
  /// error named after the exception.
  template <class F, class = std::enable_if_t<std::is_invocable_v<F&, const call&>
                                              || std::is_invocable_v<F&, json&&>
                                              || std::is_invocable_v<F&>>>
  void add_route(std::string path, F fn, route_options options = {}) {
    add_function(std::move(path), adapt(std::move(fn)), options, answers_at_once<F>());
  }

  /// A stateful route: an actor type constructed with
  /// `(caf::actor_config&, const worker_context&)`, usually a route_actor.
  template <class Actor,
            class = std::enable_if_t<std::is_base_of_v<caf::local_actor, Actor>>>
  void add_route(std::string path, route_options options = {}) {
    add_route(std::move(path),
              route_factory{[](caf::actor_system& sys, const worker_context& ctx,
                               const route_options& opts) -> caf::actor {
                return opts.blocking ? sys.spawn<Actor, caf::detached>(ctx)
                                     : sys.spawn<Actor>(ctx);
              }},
              options);
  }

  /// A route made by a factory of your own.
  void add_route(std::string path, route_factory factory,
                 route_options options = {});

  /// A route made of routes: sequential, ensemble or switch_route
  /// (composition.hpp). Its members must be routes of this application by
  /// the time a node starts it. It never blocks (`options.blocking` is
  /// refused); `capacity` bounds its calls in flight.
  void add_route(std::string path, composition tree, route_options options = {});

  /// Throws std::invalid_argument naming the first composition member that
  /// is not a route of this application. A node checks this when it starts.
  void check_members() const;

  const std::vector<route_spec>& routes() const noexcept {
    return routes_;
  }

  /// The route at `path`, or nullptr.
  const route_spec* find(const std::string& path) const;

private:
  // A route may return a reply, a json, or anything a json is made from.
  template <class R>
  static reply to_reply(R&& result) {
    if constexpr (std::is_same_v<std::decay_t<R>, reply>
                  || std::is_same_v<std::decay_t<R>, deferred_reply>)
      return std::forward<R>(result);
    else
      return reply{json(std::forward<R>(result))};
  }

  /// Whether F takes no call and returns a value (not a reply, which could
  /// be one that comes later).
  template <class F>
  static constexpr bool answers_at_once() {
    if constexpr (std::is_invocable_v<F&, const call&>) {
      return false;
    } else {
      using result = std::decay_t<typename std::conditional_t<std::is_invocable_v<F&, json&&>,
                                                              std::invoke_result<F&, json&&>,
                                                              std::invoke_result<F&>>::type>;
      return !std::is_same_v<result, reply> && !std::is_same_v<result, deferred_reply>;
    }
  }

  template <class F>
  static route_function adapt(F fn) {
    if constexpr (std::is_invocable_v<F&, const call&>)
      return [fn](call& c) mutable { return to_reply(fn(std::as_const(c))); };
    else if constexpr (std::is_invocable_v<F&, json&&>)
      // A const json& parameter binds to it in place; a json one takes it.
      return [fn](call& c) mutable { return to_reply(fn(std::move(c.input))); };
    else
      return [fn](call&) mutable { return to_reply(fn()); };
  }

  void add_function(std::string path, route_function fn, const route_options& options,
                    bool answers_at_once);

  std::vector<route_spec> routes_;
};

} // namespace actorserve
