#include "actors/workers/join_protocol.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include <caf/sec.hpp>

#include "actors/log.hpp"
#include "actors/workers/link_proof.hpp"
#include "actors/workers/link_socket.hpp"
#include "actors/workers/node_link.hpp"
#include "actors/workers/worker_secret.hpp"

namespace actorserve {

namespace {

// What each side's proof is for: a proof made for one cannot pass as the other.
constexpr const char* supervisor_purpose = "actorserve-supervisor";
constexpr const char* worker_purpose = "actorserve-worker";

/// How long the worker waits for each answer of the handshake (over TCP,
/// no longer than the join's time left).
constexpr std::chrono::milliseconds step_timeout = std::chrono::seconds{10};

/// A CAF error's own text when it carries one (the supervisor's refusals do).
std::string reason_of(caf::actor_system& sys, const caf::error& err) {
  auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return sys.render(err);
}

/// The supervisor's worker port, over plain TCP: connect, prove the secret
/// both ways (link_proof.hpp), then give the connection to CAF.
caf::expected<caf::actor> link_over_tcp(caf::actor_system& sys, const join_options& invitation,
                                        std::chrono::steady_clock::time_point deadline,
                                        bool& final, std::string& why) {
  // Each step gets what is left of the attempt's time, at least 1 ms.
  auto left = [deadline] {
    return std::max(std::chrono::milliseconds{1},
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now()));
  };
  auto fd = connect_to_supervisor(invitation.host, invitation.port, left(), why);
  if (!fd)
    return caf::make_error(caf::sec::cannot_connect_to_node);
  auto outcome = prove_link_to_supervisor(fd.get(), invitation.secret, deadline, why);
  if (outcome != link_outcome::admitted) {
    // Another secret stays another secret: trying again would not help.
    final = outcome == link_outcome::refused || outcome == link_outcome::impostor;
    return caf::make_error(caf::sec::cannot_connect_to_node);
  }
  auto found = adopt_link_as_worker(sys, std::move(fd), left());
  if (!found)
    why = sys.render(found.error());
  return found;
}

caf::actor reach_supervisor(caf::actor_system& sys, const join_options& invitation, bool tls,
                            const std::function<bool()>& stopped) {
  if (invitation.link_fd >= 0) {
    auto found = adopt_link_as_worker(sys, owned_fd{invitation.link_fd}, step_timeout);
    if (!found)
      throw std::runtime_error("cannot link to the supervisor that started this worker: "
                               + sys.render(found.error()));
    return std::move(*found);
  }
  auto where = join_address(invitation.host, invitation.port);
  // The supervisor may still be starting: try until the connect timeout.
  auto give_up = std::chrono::steady_clock::now() + invitation.connect_timeout;
  for (;;) {
    bool final = false;
    std::string why;
    // A port that takes the connection and never answers (a TLS port, to a
    // worker without TLS) must not hold the join past its timeout.
    auto now = std::chrono::steady_clock::now();
    auto attempt_ends = std::min(now + step_timeout,
                                 std::max(give_up, now + std::chrono::milliseconds{100}));
    auto found = tls ? reach_over_tls(sys, invitation.host, invitation.port)
                     : link_over_tcp(sys, invitation, attempt_ends, final, why);
    if (found)
      return std::move(*found);
    if (why.empty())
      why = sys.render(found.error());
    if (final)
      throw std::runtime_error("joining the supervisor at " + where + " failed: " + why);
    if (std::chrono::steady_clock::now() >= give_up)
      throw std::runtime_error("cannot reach the supervisor at " + where + ": " + why
                               + (tls ? " (with TLS: do both nodes trust the CA that signed "
                                        "the other's certificate?)"
                                      : ""));
    if (stopped())
      throw std::runtime_error("stopped by a signal while joining the supervisor at " + where);
    std::this_thread::sleep_for(std::chrono::milliseconds{200});
  }
}

} // namespace

std::string supervisor_proof(const std::string& secret, const std::string& worker_nonce) {
  return worker_secret::prove(secret, supervisor_purpose, worker_nonce);
}

std::string slot_proof(const std::string& secret, const std::string& supervisor_nonce,
                       std::int32_t index) {
  return worker_secret::prove(secret, worker_purpose,
                              supervisor_nonce + ":" + std::to_string(index));
}

caf::expected<supervisor_challenge> join_gatekeeper::greet(const caf::actor_addr& from,
                                                           const worker_greeting& greeting,
                                                           time_point now) {
  if (!from || greeting.host.size() > 255 || greeting.nonce.size() > 128)
    return caf::make_error(caf::sec::runtime_error, "malformed greeting");
  // Peers that greet and never prove must not grow the table forever, nor
  // push out a worker's greeting that is seconds old.
  for (auto it = greetings_.begin(); it != greetings_.end();)
    it = now - it->second.since > greeting_lifetime ? greetings_.erase(it) : std::next(it);
  if (greetings_.size() >= max_greetings)
    return caf::make_error(caf::sec::runtime_error, "too many workers are joining at once");
  auto nonce = worker_secret::nonce();
  greetings_[from] = greeting_entry{nonce, {greeting.index, greeting.pid, greeting.host}, now};
  return supervisor_challenge{supervisor_proof(secret_, greeting.nonce), nonce};
}

caf::expected<proven_worker> join_gatekeeper::check(const caf::actor_addr& from,
                                                    const worker_proof& proof) {
  auto it = greetings_.find(from);
  if (it == greetings_.end())
    return caf::make_error(caf::sec::runtime_error, "prove without hello");
  auto greeting = std::move(it->second);
  greetings_.erase(it);
  auto& worker = greeting.worker;
  if (proof.index != worker.index)
    return caf::make_error(caf::sec::runtime_error,
                           "the proof names another worker slot than the greeting");
  if (!worker_secret::same(slot_proof(secret_, greeting.nonce, worker.index), proof.proof)) {
    log::warning("refused a worker from " + worker.host + " (pid " + std::to_string(worker.pid)
                 + "): it does not know the shared secret");
    return caf::make_error(caf::sec::runtime_error,
                           "the supervisor refused this worker: wrong shared secret");
  }
  return std::move(worker);
}

void add_join_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<worker_greeting>("actorserve::worker_greeting");
  cfg.add_message_type<supervisor_challenge>("actorserve::supervisor_challenge");
  cfg.add_message_type<worker_proof>("actorserve::worker_proof");
  cfg.add_message_type<worker_assignment>("actorserve::worker_assignment");
  cfg.add_message_type<worker_ready>("actorserve::worker_ready");
}

worker_handshake::worker_handshake(caf::actor_system& sys, const join_options& invitation,
                                   bool tls, const std::function<bool()>& stopped)
  : self_(sys) {
  auto who = supervisor_name(invitation);
  supervisor_ = reach_supervisor(sys, invitation, tls, stopped);
  std::string failure;
  auto fail_with = [&](const char* step) {
    return [&, step](caf::error& err) {
      failure = "joining " + who + " failed (" + step
                + "): " + reason_of(sys, err);
    };
  };
  auto check = [&] {
    if (!failure.empty())
      throw std::runtime_error(failure);
  };
  auto my_nonce = worker_secret::nonce();
  supervisor_challenge challenge;
  worker_greeting greeting{invitation.worker_index, ::getpid(), this_host(), my_nonce};
  self_->request(supervisor_, step_timeout, hello_atom::value, greeting)
    .receive([&](supervisor_challenge& c) { challenge = std::move(c); }, fail_with("hello"));
  check();
  if (!worker_secret::same(challenge.proof, supervisor_proof(invitation.secret, my_nonce)))
    throw std::runtime_error(who
                             + " holds a different shared secret; not joining it");
  worker_proof proof{invitation.worker_index,
                     slot_proof(invitation.secret, challenge.nonce, invitation.worker_index)};
  self_->request(supervisor_, step_timeout, prove_atom::value, proof)
    .receive([&](worker_assignment& a) { assignment_ = std::move(a); }, fail_with("proof"));
  check();
}

void worker_handshake::report_start_failure(const std::string& why) {
  self_->request(supervisor_, step_timeout, start_failed_atom::value, assignment_.index, why,
                 assignment_.link_token)
    .receive([](bool) {}, [](caf::error&) {});
}

void worker_handshake::report_ready(worker_ready ready) {
  ready.link_token = assignment_.link_token;
  self_->send(supervisor_, ready_atom::value, std::move(ready));
}

std::string supervisor_name(const join_options& invitation) {
  if (invitation.link_fd >= 0)
    return "the supervisor that started this worker";
  return "the supervisor at " + join_address(invitation.host, invitation.port);
}

std::string join_address(const std::string& host, std::uint16_t port) {
  auto h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

std::string this_host() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0)
    return "unknown";
  return name;
}

} // namespace actorserve
