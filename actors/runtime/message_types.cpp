#include "actors/runtime/message_types.hpp"

#include "actors/call.hpp"
#include "actors/reply.hpp"
#include "actors/runtime/worker_batch.hpp"

namespace actorserve {

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<call>("actorserve::call");
  cfg.add_message_type<reply>("actorserve::reply");
  cfg.add_message_type<call_batch>("actorserve::call_batch");
  cfg.add_message_type<reply_batch>("actorserve::reply_batch");
}

} // namespace actorserve
