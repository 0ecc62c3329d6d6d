#include "actors/workers/node_link.hpp"

#include <stdexcept>

#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/openssl/remote_actor.hpp>

#include "actors/workers/join_protocol.hpp"
#include "actors/workers/openssl_error_queue.hpp"

namespace actorserve {

void configure_node_link(caf::actor_system_config& cfg, const tls_options& tls) {
  cfg.load<caf::io::middleman>();
  if (!tls.enabled())
    return;
  guard_openssl_error_queue();
  cfg.load<caf::openssl::manager>();
  cfg.openssl_certificate = tls.certificate;
  cfg.openssl_key = tls.key;
  cfg.openssl_cafile = tls.ca_file;
  cfg.openssl_passphrase = tls.passphrase;
}

std::uint16_t publish_on_node_link(caf::actor_system& sys, const caf::actor& actor,
                                   const std::string& host, std::uint16_t port, bool tls) {
  auto published = tls ? caf::openssl::publish(actor, port, host.c_str(), true)
                       : sys.middleman().publish(actor, port, host.c_str(), true);
  if (!published)
    throw std::runtime_error("cannot listen for workers on " + join_address(host, port) + ": "
                             + sys.render(published.error()));
  return *published;
}

caf::expected<caf::actor> reach_on_node_link(caf::actor_system& sys, const std::string& host,
                                             std::uint16_t port, bool tls) {
  return tls ? caf::openssl::remote_actor(sys, host, port)
             : sys.middleman().remote_actor(host, port);
}

} // namespace actorserve
