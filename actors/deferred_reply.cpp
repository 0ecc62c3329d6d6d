#include "actors/deferred_reply.hpp"

#include <mutex>
#include <optional>
#include <vector>

#include "actors/runtime/exception_name.hpp"

namespace actorserve {

namespace detail {

struct deferred_state {
  std::mutex mutex;
  std::optional<reply> value; // once complete
  std::vector<std::function<void(reply)>> waiting; // until then
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
  std::vector<std::function<void(reply)>> run;
  {
    std::lock_guard<std::mutex> guard{state_->mutex};
    if (state_->value)
      return; // completed before
    state_->value = r;
    run.swap(state_->waiting);
  }
  // Outside the lock: they may complete others.
  for (auto& f : run)
    f(r);
}

void deferred_reply::on_complete(std::function<void(reply)> on_reply) const {
  reply ready_value;
  {
    std::lock_guard<std::mutex> guard{state_->mutex};
    if (!state_->value) {
      state_->waiting.push_back(std::move(on_reply));
      return;
    }
    ready_value = *state_->value;
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
