#include "actors/deferred_reply.hpp"

#include <mutex>
#include <optional>

#include "actors/runtime/exception_name.hpp"

namespace actorserve {

namespace detail {

struct deferred_state {
  std::mutex mutex;
  std::optional<reply> value;
  std::function<void(reply)> on_reply;
  bool done = false; // the reply was handed to on_reply
};

} // namespace detail

deferred_reply::deferred_reply() : state_(std::make_shared<detail::deferred_state>()) {
}

deferred_reply deferred_reply::ready(reply r) {
  deferred_reply d;
  d.complete(std::move(r));
  return d;
}

void deferred_reply::complete(reply r) const {
  // A reply that is itself still to come completes this one when it does.
  if (auto inner = of(r); inner.valid()) {
    auto self = *this;
    inner.on_complete([self](reply x) { self.complete(std::move(x)); });
    return;
  }
  std::function<void(reply)> run;
  {
    std::lock_guard<std::mutex> guard{state_->mutex};
    if (state_->done || state_->value)
      return;
    if (!state_->on_reply) {
      state_->value = std::move(r);
      return;
    }
    state_->done = true;
    run = std::move(state_->on_reply);
  }
  run(std::move(r)); // outside the lock: it may complete others
}

void deferred_reply::on_complete(std::function<void(reply)> on_reply) const {
  reply ready_value;
  {
    std::lock_guard<std::mutex> guard{state_->mutex};
    if (state_->done)
      return;
    if (!state_->value) {
      state_->on_reply = std::move(on_reply);
      return;
    }
    state_->done = true;
    ready_value = std::move(*state_->value);
    state_->value.reset();
  }
  on_reply(std::move(ready_value));
}

deferred_reply::operator reply() const {
  reply r;
  r.deferred_ = state_;
  return r;
}

deferred_reply deferred_reply::of(const reply& r) {
  return deferred_reply{r.deferred_};
}

void deferred_reply::fail_with_current_exception() const {
  try {
    throw;
  } catch (const std::exception& e) {
    complete(reply::failure(exception_name(e), e.what()));
  } catch (...) {
    complete(reply::failure("UnknownException",
                            "the continuation threw something that is not a std::exception"));
  }
}

} // namespace actorserve
