#include "actors/message_types.hpp"

#include "actors/call.hpp"
#include "actors/reply.hpp"
#include "actors/worker_protocol.hpp"

namespace actorserve {

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<call>("actorserve::call");
  cfg.add_message_type<reply>("actorserve::reply");
  cfg.add_message_type<worker_greeting>("actorserve::worker_greeting");
  cfg.add_message_type<supervisor_challenge>("actorserve::supervisor_challenge");
  cfg.add_message_type<worker_proof>("actorserve::worker_proof");
  cfg.add_message_type<worker_assignment>("actorserve::worker_assignment");
  cfg.add_message_type<worker_ready>("actorserve::worker_ready");
}

} // namespace actorserve
