#include "actors/runtime/reply_callback.hpp"

#include "actors/error_type.hpp"

namespace actorserve {

reply_callback::reply_callback(std::function<void(reply)> fn)
  : state_(std::make_shared<state>()) {
  state_->fn = std::move(fn);
}

void reply_callback::operator()(reply r) const {
  if (state_ && state_->fn && !state_->called.exchange(true))
    state_->fn(std::move(r));
}

reply_callback::state::~state() {
  if (fn && !called.exchange(true)) {
    try {
      fn(reply::failure(error_type::shutting_down,
                        "the service stopped before the call was answered"));
    } catch (...) {
      // A destructor must not throw; the caller's callback failed itself.
    }
  }
}

} // namespace actorserve
