#pragma once

// How a worker joins its supervisor, and what the two say to each other
// across processes afterwards (docs/workers.md, "The protocol"):
//
//   worker → supervisor: (hello_atom, worker_greeting)  → supervisor_challenge
//   worker → supervisor: (prove_atom, worker_proof)      → worker_assignment | error
//   worker → supervisor: (ready_atom, worker_ready)
//                     or (start_failed_atom, index, text, link_token)
//   supervisor → agent:  (ping_atom, link_token)
//   agent → supervisor:  (pong_atom, index, link_token)
//   supervisor → agent:  (stop_atom, link_token) | (evict_atom, reason, link_token)
//   agent → supervisor:  (leave_atom, index, link_token)   (it shuts down on its own)
//
// The link token is a random value the supervisor gives a worker when it
// has proved the secret. CAF 0.17 takes a routed message's sender from what
// the peer wrote, so a sender's address proves nothing: every message after
// the handshake carries the token instead, which no other peer has seen.
//
// Each side proves it knows the shared secret by answering the other's nonce
// (supervisor_proof, slot_proof); the secret itself never crosses the wire.
// Both sides of the handshake live here: the worker's is worker_handshake,
// the supervisor's is join_gatekeeper (the supervisor then gives the admitted
// worker its slot).
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_clock.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/expected.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/worker_options.hpp"

namespace actorserve {

using hello_atom = caf::atom_constant<caf::atom("w_hello")>;
using prove_atom = caf::atom_constant<caf::atom("w_prove")>;
using ready_atom = caf::atom_constant<caf::atom("w_ready")>;
using start_failed_atom = caf::atom_constant<caf::atom("w_failed")>;
using ping_atom = caf::atom_constant<caf::atom("w_ping")>;
using pong_atom = caf::atom_constant<caf::atom("w_pong")>;
using evict_atom = caf::atom_constant<caf::atom("w_evict")>;
using leave_atom = caf::atom_constant<caf::atom("w_leave")>;
/// The node's start waits for every worker with it.
using start_atom = caf::atom_constant<caf::atom("w_start")>;
/// The supervisor's timers.
using reap_atom = caf::atom_constant<caf::atom("w_reap")>;
using respawn_atom = caf::atom_constant<caf::atom("w_respawn")>;

/// A worker's first word: which slot it fills (-1: any) and a nonce the
/// supervisor must answer to prove that it, too, knows the secret.
struct worker_greeting {
  std::int32_t index = -1;
  std::int64_t pid = 0;
  std::string host;
  std::string nonce;

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, worker_greeting& x) {
    return f(caf::meta::type_name("actorserve::worker_greeting"), x.index, x.pid, x.host,
             x.nonce);
  }
};

/// The supervisor's answer: its proof over the worker's nonce, and a nonce
/// of its own for the worker to prove over.
struct supervisor_challenge {
  std::string proof;
  std::string nonce;

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, supervisor_challenge& x) {
    return f(caf::meta::type_name("actorserve::supervisor_challenge"), x.proof, x.nonce);
  }
};

struct worker_proof {
  std::int32_t index = -1;
  std::string proof;

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, worker_proof& x) {
    return f(caf::meta::type_name("actorserve::worker_proof"), x.index, x.proof);
  }
};

/// What an admitted worker is told: its slot, its context, and the timing
/// it shares with the supervisor.
struct worker_assignment {
  std::int32_t index = 0;
  std::string context; ///< the worker_context value, in json_wire form
  std::int64_t heartbeat_interval_ms = 1000;
  std::int64_t heartbeat_timeout_ms = 5000;
  /// What every later message between the two carries (see above).
  std::string link_token;

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, worker_assignment& x) {
    return f(caf::meta::type_name("actorserve::worker_assignment"), x.index, x.context,
             x.heartbeat_interval_ms, x.heartbeat_timeout_ms, x.link_token);
  }
};

/// A worker whose routes run: the gate of each route, by path, and the
/// agent that answers heartbeats and takes the shutdown.
struct worker_ready {
  std::int32_t index = 0;
  std::int64_t pid = 0;
  std::string host;
  caf::actor agent;
  std::vector<std::string> paths;
  std::vector<caf::actor> gates;
  std::string link_token;

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, worker_ready& x) {
    return f(caf::meta::type_name("actorserve::worker_ready"), x.index, x.pid, x.host,
             x.agent, x.paths, x.gates, x.link_token);
  }
};

/// The supervisor's answer to a worker's nonce.
std::string supervisor_proof(const std::string& secret, const std::string& worker_nonce);

/// A worker's answer to the supervisor's nonce, bound to the slot it asks for.
std::string slot_proof(const std::string& secret, const std::string& supervisor_nonce,
                       std::int32_t index);

/// Announces the protocol's message types (every process of a service).
void add_join_message_types(caf::actor_system_config& cfg);

/// A greeting whose sender proved the secret: the slot it asked for (-1:
/// any), and what it said of itself.
struct proven_worker {
  std::int32_t index = -1;
  std::int64_t pid = 0;
  std::string host;
};

/// The supervisor's side of the handshake: answers each greeting with a
/// challenge, and checks a proof against the greeting of the same sender.
/// Peers that greet and never prove cannot grow its table: a greeting is
/// forgotten after `greeting_lifetime`, and at most `max_greetings` wait.
class join_gatekeeper {
public:
  using time_point = caf::actor_clock::time_point;

  static constexpr std::size_t max_greetings = 1024;
  static constexpr std::chrono::seconds greeting_lifetime{30};

  explicit join_gatekeeper(std::string secret) : secret_(std::move(secret)) {
  }

  /// The challenge that answers `greeting`, sent by `from` at `now`, or why
  /// it is refused (malformed, too many joining at once).
  caf::expected<supervisor_challenge> greet(const caf::actor_addr& from,
                                            const worker_greeting& greeting, time_point now);

  /// The greeting `from` made, when `proof` answers its challenge; or why
  /// not (no greeting, another slot, the wrong secret). Either way the
  /// greeting is used up.
  caf::expected<proven_worker> check(const caf::actor_addr& from, const worker_proof& proof);

  /// Greetings waiting for their proof.
  std::size_t waiting() const noexcept {
    return greetings_.size();
  }

private:
  struct greeting_entry {
    std::string nonce; // the supervisor's, which the proof answers
    proven_worker worker;
    time_point since;
  };

  std::string secret_;
  std::map<caf::actor_addr, greeting_entry> greetings_;
};

/// The worker's side of the handshake. Its constructor reaches the
/// supervisor named in `invitation` (retrying until the connect timeout, or
/// until `stopped` answers true), checks the supervisor's proof and gives
/// its own; it throws std::runtime_error saying where and at which step it
/// failed. The reports that follow come from the same actor that proved the
/// secret: the supervisor takes them from no other.
class worker_handshake {
public:
  worker_handshake(caf::actor_system& sys, const join_options& invitation, bool tls,
                   const std::function<bool()>& stopped);

  const caf::actor& supervisor() const noexcept {
    return supervisor_;
  }

  /// The slot, context and heartbeat timing the supervisor gave.
  const worker_assignment& assignment() const noexcept {
    return assignment_;
  }

  /// This worker's routes failed to start: tells the supervisor, and waits
  /// (briefly) until it heard, so that the start fails with the reason.
  void report_start_failure(const std::string& why);

  /// This worker serves.
  void report_ready(worker_ready ready);

private:
  caf::scoped_actor self_;
  caf::actor supervisor_;
  worker_assignment assignment_;
};

/// "host:port", or "[v6]:port".
std::string join_address(const std::string& host, std::uint16_t port);

/// The supervisor a worker joins, for its messages: "the supervisor at
/// host:port", or "the supervisor that started this worker".
std::string supervisor_name(const join_options& invitation);

/// This host's name, as a worker reports it.
std::string this_host();

} // namespace actorserve
