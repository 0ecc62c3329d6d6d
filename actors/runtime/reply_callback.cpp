#include "actors/runtime/reply_callback.hpp"

#include "actors/error_type.hpp"
#include "actors/log.hpp"

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

template <class Callback>
void give_reply(const std::string& path, const Callback& callback, reply r) {
  try {
    callback(std::move(r));
  } catch (const std::exception& e) {
    log::error("route " + path + ": a reply callback threw: " + e.what());
  } catch (...) {
    log::error("route " + path + ": a reply callback threw");
  }
}

template void give_reply(const std::string&, const reply_callback&, reply);
template void give_reply(const std::string&, const std::function<void(reply)>&, reply);

} // namespace actorserve
