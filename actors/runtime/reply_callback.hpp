#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include <caf/allowed_unsafe_message_type.hpp>

#include "actors/reply.hpp"

namespace actorserve {

/// How a caller that is not an actor gets its reply: the gate calls it, on
/// the gate's thread, once. Keep it short (hand the reply on, don't work).
///
/// It is called exactly once even when the call is dropped unanswered (sent
/// to a gate that has already stopped): then with ShuttingDown, when the
/// last copy goes away.
class reply_callback {
public:
  reply_callback() = default;

  explicit reply_callback(std::function<void(reply)> fn);

  /// Hands over the reply; later calls do nothing.
  void operator()(reply r) const;

  explicit operator bool() const noexcept {
    return state_ != nullptr;
  }

private:
  struct state {
    std::function<void(reply)> fn;
    std::atomic<bool> called{false};
    ~state();
  };
  std::shared_ptr<state> state_;
};

/// Gives `r` to a caller's callback for the route at `path`: what the
/// callback throws is logged, not passed on, so that the thread answering
/// (a gate's, a gateway's) and every other call it serves live on. For
/// reply_callback and std::function<void(reply)>.
template <class Callback>
void give_reply(const std::string& path, const Callback& callback, reply r);

} // namespace actorserve

// A reply_callback never leaves its process: it is a local function.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorserve::reply_callback)
