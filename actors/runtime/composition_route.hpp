#pragma once

#include <functional>
#include <memory>
#include <string>

#include <caf/event_based_actor.hpp>

#include "actors/call.hpp"
#include "actors/composition.hpp"
#include "actors/reply.hpp"

namespace actorserve {

/// The actor that answers a composition's calls (sequential, ensemble,
/// switch_route, nested), each member a call to a route of this process's
/// route table (call::routes): never blocking, any number of calls at once.
///
/// A member call is a child of the composition's call (its deadline, one
/// level deeper). Once the call's deadline has passed, no further member
/// starts.
class composition_route : public caf::event_based_actor {
public:
  composition_route(caf::actor_config& cfg, std::string path,
                    std::shared_ptr<const composition> tree);

  caf::behavior make_behavior() override;

private:
  using done_fn = std::function<void(reply)>;

  void run(const composition& c, const std::shared_ptr<const call>& parent, json input,
           done_fn done);
  void run_member(const route_member& m, const std::shared_ptr<const call>& parent,
                  json input, done_fn done);
  void run_sequential(const composition& c, std::size_t step,
                      const std::shared_ptr<const call>& parent, json input, done_fn done);
  void run_ensemble(const composition& c, const std::shared_ptr<const call>& parent,
                    json input, done_fn done);
  void run_switch(const composition& c, const std::shared_ptr<const call>& parent,
                  json input, done_fn done);
  void call_member(const std::string& path, const std::shared_ptr<const call>& parent,
                   json input, done_fn done);

  std::string path_;
  std::shared_ptr<const composition> tree_;
};

} // namespace actorserve
