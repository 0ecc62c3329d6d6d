#include "actors/worker_options.hpp"

#include <stdexcept>

#include "actors/private_file.hpp"

namespace actorserve {

namespace {

[[noreturn]] void refuse(const std::string& why) {
  throw std::invalid_argument(why);
}

} // namespace

void worker_options::check() const {
  if (workers > max_workers)
    refuse("workers = " + std::to_string(workers) + " is more than one supervisor starts ("
           + std::to_string(max_workers) + ")");
  if (!join && !worker_contexts.empty() && worker_contexts.size() != workers)
    refuse("worker_contexts holds " + std::to_string(worker_contexts.size()) + " values for "
           + std::to_string(workers) + " worker(s); give one per worker, or none");
  bool tls_partial = tls.certificate.empty() != tls.key.empty()
                     || (tls.enabled() && tls.ca_file.empty());
  if (tls_partial)
    refuse("TLS needs all three of a certificate, a key and a CA file "
           "(--tls-certificate, --tls-key, --tls-ca)");
  // The supervisor's own workers link over socket pairs, never a network.
  if (tls.enabled() && !node_port && !join)
    refuse("TLS secures the worker port and the workers that join it: it takes effect only "
           "with a node port or a join (--node-port, --join)");
  if (!links_nodes())
    return;
  if (heartbeat_interval.count() <= 0 || heartbeat_timeout <= heartbeat_interval)
    refuse("the heartbeat timeout (" + std::to_string(heartbeat_timeout.count())
           + " ms) must be longer than the heartbeat interval ("
           + std::to_string(heartbeat_interval.count()) + " ms), which must be above 0");
  if (restarts.max_restarts_per_minute < 0 || restarts.initial_backoff.count() < 0
      || restarts.max_backoff < restarts.initial_backoff)
    refuse("the restart policy needs max_restarts_per_minute >= 0 and "
           "0 <= initial_backoff <= max_backoff");
  if (join) {
    check_secret(join->secret, "the worker's options");
    return;
  }
  if (workers == 0 && !node_port)
    refuse("workers = 0 serves only workers that join from elsewhere; "
           "give the node a port for them (node_port)");
  if (secret.empty() && node_port)
    refuse("workers that join from other hosts need the service's "
           "shared secret: give one (a secret file or ACTORSERVE_SECRET)");
  if (!secret.empty())
    check_secret(secret, "the supervisor's options");
}

void check_secret(const std::string& secret, const std::string& where) {
  if (secret.size() < min_secret_length)
    refuse("the shared secret from " + where + " has " + std::to_string(secret.size())
           + " characters; it needs at least " + std::to_string(min_secret_length));
}

std::string read_secret_file(const std::string& path) {
  auto secret = read_private_file(path, "secret file");
  check_secret(secret, "file " + path);
  return secret;
}

} // namespace actorserve
