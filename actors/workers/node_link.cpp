#include "actors/workers/node_link.hpp"

#include <stdexcept>

#include <caf/io/basp_broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/network/multiplexer.hpp>
#include <caf/io/scribe.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/openssl/remote_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "actors/workers/join_protocol.hpp"
#include "actors/workers/openssl_error_queue.hpp"

namespace actorserve {

namespace {

/// The port number under which CAF files the supervisor for adopted links.
/// CAF publishes on real ports only, never on 0, so this one is ours alone.
constexpr std::uint16_t adopted_link_port = 0;

} // namespace

// Adopting a connected socket uses two handlers of CAF 0.17's BASP broker
// (libcaf_io/src/basp_broker.cpp), checked against 0.17.6:
// - (publish_atom, scribe_ptr, port, actor, signatures): the broker adds the
//   scribe, files `actor` under `port` and sends its server handshake, as
//   for a connection its doorman accepted (CAF's own tests link two nodes
//   this way);
// - (connect_atom, scribe_ptr, port): the broker adds the scribe, awaits the
//   server handshake and answers (node, actor, signatures), as for
//   remote_actor.
caf::actor link_broker(caf::actor_system& sys) {
  return sys.middleman().named_broker<caf::io::basp_broker>(caf::atom("BASP"));
}

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

void adopt_link_as_supervisor(caf::actor_system& sys, const caf::actor& broker, owned_fd link,
                              const caf::actor& supervisor) {
  // A scribe only wraps the descriptor; the broker registers it with the
  // multiplexer on its own thread.
  auto scribe = sys.middleman().backend().new_scribe(link.release());
  caf::anon_send(broker, caf::publish_atom::value, std::move(scribe),
                 adopted_link_port, caf::actor_cast<caf::strong_actor_ptr>(supervisor),
                 std::set<std::string>{});
}

caf::expected<caf::actor> adopt_link_as_worker(caf::actor_system& sys, owned_fd link,
                                               std::chrono::milliseconds timeout) {
  auto scribe = sys.middleman().backend().new_scribe(link.release());
  caf::scoped_actor self{sys};
  caf::expected<caf::actor> result{caf::sec::request_timeout};
  self->request(link_broker(sys), timeout, caf::connect_atom::value, std::move(scribe),
                adopted_link_port)
    .receive(
      [&](const caf::node_id&, caf::strong_actor_ptr& found, std::set<std::string>&) {
        if (found)
          result = caf::actor_cast<caf::actor>(std::move(found));
        else
          result = caf::make_error(caf::sec::no_actor_published_at_port);
      },
      [&](caf::error& err) { result = std::move(err); });
  return result;
}

std::uint16_t publish_over_tls(const caf::actor& actor, const std::string& host,
                               std::uint16_t port) {
  auto published = caf::openssl::publish(actor, port, host.c_str(), true);
  if (!published)
    throw std::runtime_error("cannot listen for workers on " + join_address(host, port) + ": "
                             + actor.home_system().render(published.error()));
  return *published;
}

caf::expected<caf::actor> reach_over_tls(caf::actor_system& sys, const std::string& host,
                                         std::uint16_t port) {
  return caf::openssl::remote_actor(sys, host, port);
}

} // namespace actorserve
