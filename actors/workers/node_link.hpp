#pragma once

// How the nodes of a service link: CAF's middleman (its BASP protocol) over
// a connection that only the invited hold. The supervisor's own workers get
// one end of a socket pair made before they start (no port at all); workers
// from other hosts connect to the worker port, where both ends prove the
// shared secret (link_listener.hpp) before CAF reads a byte; or, with TLS,
// CAF's OpenSSL module admits only peers whose certificate the CA signed.
#include <chrono>
#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/expected.hpp>

#include "actors/worker_options.hpp"
#include "actors/workers/link_socket.hpp"

namespace actorserve {

/// Loads the middleman (and, with TLS, the OpenSSL module and this node's
/// certificates) into a node's configuration.
void configure_node_link(caf::actor_system_config& cfg, const tls_options& tls);

/// CAF's BASP broker, which runs every link of this node. Look it up once,
/// while the node starts: CAF's table of brokers is not for other threads.
caf::actor link_broker(caf::actor_system& sys);

/// Hands `link`, a connected socket whose peer is one of this supervisor's
/// workers, to `broker` (link_broker): the peer reaches `supervisor` on it.
/// CAF owns the descriptor from here (and closes it with the connection).
/// Safe from any thread while the actor system runs.
void adopt_link_as_supervisor(caf::actor_system& sys, const caf::actor& broker, owned_fd link,
                              const caf::actor& supervisor);

/// Hands `link`, a connected socket to the supervisor, to CAF and waits (at
/// most `timeout`) for CAF's handshake: the supervisor, or why not.
caf::expected<caf::actor> adopt_link_as_worker(caf::actor_system& sys, owned_fd link,
                                               std::chrono::milliseconds timeout);

/// TLS only: makes `actor` reachable at host:port (0: a port the system
/// picks) through CAF's OpenSSL module; returns the port. Throws
/// std::runtime_error naming the address.
std::uint16_t publish_over_tls(const caf::actor& actor, const std::string& host,
                               std::uint16_t port);

/// TLS only: the actor published at host:port, or why it cannot be reached.
caf::expected<caf::actor> reach_over_tls(caf::actor_system& sys, const std::string& host,
                                         std::uint16_t port);

} // namespace actorserve
