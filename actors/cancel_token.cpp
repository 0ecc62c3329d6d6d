#include "actors/cancel_token.hpp"

#include <algorithm>

namespace actorserve {

void cancel_token::cancel() {
  std::vector<std::function<void()>> listeners;
  std::vector<std::weak_ptr<cancel_token>> children;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    if (cancelled_.exchange(true, std::memory_order_acq_rel))
      return;
    listeners.swap(listeners_);
    children.swap(children_);
  }
  // Outside the lock: a listener may touch other tokens.
  for (auto& f : listeners)
    f();
  for (auto& weak : children)
    if (auto c = weak.lock())
      c->cancel();
}

void cancel_token::on_cancel(std::function<void()> on_cancel) {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    if (!cancelled()) {
      listeners_.push_back(std::move(on_cancel));
      return;
    }
  }
  on_cancel();
}

std::shared_ptr<cancel_token> cancel_token::child() {
  auto c = std::make_shared<cancel_token>();
  {
    std::lock_guard<std::mutex> guard{mutex_};
    if (!cancelled()) {
      // Children that are gone make room: a long-lived call that makes many
      // calls holds only those still alive.
      if (children_.size() >= 16 && children_.size() == children_.capacity())
        children_.erase(std::remove_if(children_.begin(), children_.end(),
                                       [](const auto& w) { return w.expired(); }),
                        children_.end());
      children_.push_back(c);
      return c;
    }
  }
  c->cancel();
  return c;
}

} // namespace actorserve
