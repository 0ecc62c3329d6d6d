#pragma once

#include <atomic>
#include <functional>
#include <memory>

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

} // namespace actorserve

// A reply_callback never leaves its process: it is a local function.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorserve::reply_callback)
