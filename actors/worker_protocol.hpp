#pragma once

// What the supervisor and its workers say to each other across processes
// (docs/workers.md, "The protocol"):
//
//   worker → pool: (hello_atom, worker_greeting)  → supervisor_challenge
//   worker → pool: (prove_atom, worker_proof)      → worker_assignment | error
//   worker → pool: (ready_atom, worker_ready)  or  (start_failed_atom, index, text)
//   pool → agent:  (ping_atom)  agent → pool: (pong_atom, index)
//   pool → agent:  stop_atom | (evict_atom, reason)
//   agent → pool:  (leave_atom, index)   (the worker shuts down on its own)
//
// Every message type here is announced by add_message_types.
#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

namespace actorserve {

using hello_atom = caf::atom_constant<caf::atom("w_hello")>;
using prove_atom = caf::atom_constant<caf::atom("w_prove")>;
using ready_atom = caf::atom_constant<caf::atom("w_ready")>;
using start_failed_atom = caf::atom_constant<caf::atom("w_failed")>;
using ping_atom = caf::atom_constant<caf::atom("w_ping")>;
using pong_atom = caf::atom_constant<caf::atom("w_pong")>;
using evict_atom = caf::atom_constant<caf::atom("w_evict")>;
using leave_atom = caf::atom_constant<caf::atom("w_leave")>;
/// Pool → main gates: a worker's route instance joins / is lost / retires.
using add_instance_atom = caf::atom_constant<caf::atom("g_add")>;
using lost_worker_atom = caf::atom_constant<caf::atom("g_lost")>;
using retire_worker_atom = caf::atom_constant<caf::atom("g_retire")>;
/// The node's start waits for every worker with it.
using start_atom = caf::atom_constant<caf::atom("w_start")>;
/// The pool's timers.
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

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, worker_assignment& x) {
    return f(caf::meta::type_name("actorserve::worker_assignment"), x.index, x.context,
             x.heartbeat_interval_ms, x.heartbeat_timeout_ms);
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

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, worker_ready& x) {
    return f(caf::meta::type_name("actorserve::worker_ready"), x.index, x.pid, x.host,
             x.agent, x.paths, x.gates);
  }
};

} // namespace actorserve
