#pragma once

// A mark that only this process can put on a message. CAF 0.17 takes a
// routed message's source node from what the peer wrote, so "sent by an
// actor of this node" proves nothing: a process that reached the node port
// can send a message that looks as if a local actor sent it. This type is
// never announced to CAF's network layer and cannot be serialized, so no
// message that arrives from another process can hold it. Every control
// message between the runtime's own actors (the shutdown broadcast, the
// gates' instances, the supervisor's timers) carries it.
#include <caf/allowed_unsafe_message_type.hpp>

namespace actorserve {

struct local_only {};

} // namespace actorserve

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actorserve::local_only)
