#pragma once

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include "actors/reply.hpp"

namespace actorserve {

namespace detail {

/// What a deferred_reply and its copies share: the reply once it is there,
/// or what to do with it when it comes. Completed at most once, from any
/// thread.
struct deferred_state;

} // namespace detail

/// A reply that comes later: what call_route (route_call.hpp) hands a plain
/// function route, and what such a route may return instead of a value. A
/// route returning one is answered when it completes; in the meantime no
/// thread waits.
///
/// `then(f)` runs `f` once the reply is there and gives the reply `f`
/// returns (a json, a reply, or another deferred_reply, which is awaited in
/// turn). `f` takes a `reply` (and sees errors too) or a `const json&` (and
/// is skipped for an error, which passes on unchanged). An exception `f`
/// throws becomes an error named after it. `f` runs on the thread that
/// completes the reply (a route gate's): keep it short, never block. `then`
/// may be called more than once on the same reply (a fan-out).
///
/// Capture the call by value (`[c]`), never by reference: the call a route
/// function received is gone once the function has returned.
class deferred_reply {
public:
  /// Not complete yet.
  deferred_reply();

  /// Complete at once.
  static deferred_reply ready(reply r);

  /// Hands over the reply; later calls do nothing.
  void complete(reply r) const;

  /// Runs `on_reply` with the reply, now if it is there, else when it comes.
  /// Each function given runs once; several may wait for the same reply.
  void on_complete(std::function<void(reply)> on_reply) const;

  template <class F>
  deferred_reply then(F f) const {
    deferred_reply next;
    on_complete([f = std::move(f), next](reply r) mutable {
      try {
        if constexpr (std::is_invocable_v<F&, reply>) {
          next.adopt(f(std::move(r)));
        } else {
          static_assert(std::is_invocable_v<F&, const json&>,
                        "then() takes a function of a reply or of a json");
          if (!r.ok())
            next.complete(std::move(r));
          else
            next.adopt(f(r.value()));
        }
      } catch (...) {
        next.fail_with_current_exception();
      }
    });
    return next;
  }

  /// As a reply (for a route function declared to return one): a reply that
  /// the route's runtime waits for.
  operator reply() const;

  /// The deferred reply a route returned, or an invalid one if `r` is a
  /// plain reply.
  static deferred_reply of(const reply& r);

  bool valid() const noexcept {
    return state_ != nullptr;
  }

private:
  explicit deferred_reply(std::shared_ptr<detail::deferred_state> state)
    : state_(std::move(state)) {
  }

  // Completes this one with what `f` returned.
  template <class R>
  void adopt(R&& result) const {
    using T = std::decay_t<R>;
    if constexpr (std::is_same_v<T, deferred_reply>) {
      auto self = *this;
      result.on_complete([self](reply r) { self.complete(std::move(r)); });
    } else if constexpr (std::is_same_v<T, reply>) {
      complete(std::forward<R>(result));
    } else {
      complete(reply{json(std::forward<R>(result))});
    }
  }

  void fail_with_current_exception() const;

  std::shared_ptr<detail::deferred_state> state_;
};

} // namespace actorserve
