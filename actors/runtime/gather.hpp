#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>

#include "actors/json.hpp"
#include "actors/reply.hpp"

namespace actorserve {

/// Who to ask, each under the key its answer is filed by.
using gather_targets = std::vector<std::pair<std::string, caf::actor>>;

/// Asks every target at once and calls `done` once with {key: the reply's
/// value} of those that answered; one that fails (or times out) is left
/// out. `ask(key, target)` sends the question: it returns the response
/// handle of the asking actor's `request(target, timeout, ...)`, answered
/// with a reply; `done` runs on that actor's thread. For what a process
/// reads of its parts at once: metrics, the calls in flight.
template <class Ask>
void gather(const gather_targets& targets, std::function<void(json)> done, Ask ask) {
  struct state {
    json answers = json::object();
    std::size_t left = 0;
    std::function<void(json)> done;
    void one_done() {
      if (--left == 0)
        done(std::move(answers));
    }
  };
  auto s = std::make_shared<state>();
  s->left = targets.size();
  s->done = std::move(done);
  if (s->left == 0)
    return s->done(std::move(s->answers));
  for (auto& [key, target] : targets)
    ask(key, target)
      .then(
        [s, key = key](reply& r) {
          if (r.ok())
            s->answers[key] = std::move(r.value());
          s->one_done();
        },
        [s](caf::error&) { s->one_done(); });
}

} // namespace actorserve
