#pragma once

// Routes the unit tests drive: one that holds every call until released,
// and helpers to collect replies.
#include <map>
#include <vector>

#include <caf/actor_cast.hpp>
#include <caf/response_promise.hpp>

#include <caf/send.hpp>

#include "actors/runtime/atoms.hpp"
#include "actors/call.hpp"
#include "actors/runtime/reply_callback.hpp"
#include "actors/route_actor.hpp"

namespace actorserve::testing {

using release_atom = caf::atom_constant<caf::atom("release")>;

/// Holds every call until it receives `release_atom`, then answers each
/// with {"input": ..., "instance": <n>} where n counts instances from 0.
class hold_route : public route_actor {
public:
  hold_route(caf::actor_config& cfg, const worker_context& ctx)
    : route_actor(cfg, ctx), number_(constructed()++) {
  }

  /// How many hold_routes were constructed.
  static int& constructed() {
    static int count = 0;
    return count;
  }

  /// Every hold_route made so far (the deterministic tests are one thread).
  static std::vector<caf::actor>& instances() {
    static std::vector<caf::actor> all;
    return all;
  }

  /// Calls each instance holds now, by instance number.
  static std::map<int, int>& held() {
    static std::map<int, int> counts;
    return counts;
  }

  /// Forgets the hold_routes of an earlier test (these counts are static).
  static void reset() {
    constructed() = 0;
    instances().clear();
    held().clear();
  }

  /// Asks every instance to answer what it holds (run the scheduler after).
  static void release_all() {
    for (auto& h : instances())
      caf::anon_send(h, release_atom::value);
  }

protected:
  caf::result<reply> handle(const call& request) override {
    auto promise = make_response_promise();
    waiting_.emplace_back(promise, request.input);
    held()[number_] = static_cast<int>(waiting_.size());
    return promise;
  }

  caf::message_handler extra_handlers() override {
    if (registered_ == false) {
      registered_ = true;
      instances().push_back(caf::actor_cast<caf::actor>(this));
    }
    return {[this](release_atom) {
      for (auto& [promise, input] : waiting_)
        promise.deliver(reply{json{{"input", input}, {"instance", number_}}});
      waiting_.clear();
      held()[number_] = 0;
    }};
  }

  // A promise holds its requester: let go of them, or the two keep each
  // other alive after both stopped.
  void on_exit() override {
    waiting_.clear();
  }

private:
  int number_;
  bool registered_ = false;
  std::vector<std::pair<caf::response_promise, json>> waiting_;
};

/// Sends `c` to `gate` as code that is not an actor does: the reply is
/// appended to `replies`.
inline void send_collecting(const caf::actor& gate, call c, std::vector<reply>& replies) {
  caf::anon_send(gate, call_atom::value, std::move(c),
                 reply_callback{[&replies](reply r) { replies.push_back(std::move(r)); }});
}

} // namespace actorserve::testing
