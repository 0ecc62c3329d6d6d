#pragma once

#include <caf/actor_system_config.hpp>

namespace actorserve {

/// Announces the runtime's message types (call, reply) to CAF under fixed
/// names, so they cross process boundaries intact. Every process of a
/// service calls it.
void add_message_types(caf::actor_system_config& cfg);

} // namespace actorserve
