#pragma once

// Who may send what. CAF's network layer does not authenticate its peers:
// any process that reached a node's port can message an actor whose handle
// it learned. Actors that take orders check where an order came from.
#include <caf/local_actor.hpp>
#include <caf/node_id.hpp>

namespace actorserve {

/// The message `self` handles now came from an actor of this process (not
/// anonymously, and not from another node).
inline bool sent_from_this_node(caf::local_actor& self) {
  auto& sender = self.current_sender();
  return sender != nullptr && sender->node() == self.node();
}

} // namespace actorserve
