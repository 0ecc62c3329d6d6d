#pragma once

// How the nodes of a service link: CAF's middleman over plain TCP, or over
// TLS through CAF's OpenSSL module when certificates are given.
#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/expected.hpp>

#include "actors/worker_options.hpp"

namespace actorserve {

/// Loads the middleman (and, with TLS, the OpenSSL module and this node's
/// certificates) into a node's configuration.
void configure_node_link(caf::actor_system_config& cfg, const tls_options& tls);

/// Makes `actor` reachable at host:port (0: a port the system picks);
/// returns the port. Throws std::runtime_error naming the address.
std::uint16_t publish_on_node_link(caf::actor_system& sys, const caf::actor& actor,
                                   const std::string& host, std::uint16_t port, bool tls);

/// The actor published at host:port, or why it cannot be reached.
caf::expected<caf::actor> reach_on_node_link(caf::actor_system& sys, const std::string& host,
                                             std::uint16_t port, bool tls);

} // namespace actorserve
