#pragma once

// The message tags the runtime's actors speak among themselves (a call
// itself is `call_atom`, in call.hpp). CAF 0.17 atoms hold at most ten
// characters.
#include <caf/atom.hpp>

namespace actorserve {

/// The shutdown broadcast: stop admitting, finish what is admitted.
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
/// A participant's answer to the broadcast: nothing of mine is in flight.
using drained_atom = caf::atom_constant<caf::atom("drained")>;
/// The end of the drain: release everything and quit.
using stop_atom = caf::atom_constant<caf::atom("stop")>;
/// A participant (gateway, route gate) joins the broadcast.
using join_atom = caf::atom_constant<caf::atom("join")>;
/// A gate's deadline sweep.
using tick_atom = caf::atom_constant<caf::atom("tick")>;
/// A reply a route deferred (deferred_reply.hpp) has come.
using deferred_atom = caf::atom_constant<caf::atom("deferred")>;
/// A batching gate's timer: the oldest waiting call has waited its
/// batch_wait_time.
using batch_atom = caf::atom_constant<caf::atom("batch")>;
/// A batch run in place answered later (its function called routes).
using batch_done_atom = caf::atom_constant<caf::atom("batch_done")>;
/// A call's caller gave up: `(cancel_atom, gate call id, local_only)` from
/// its cancel_token; `(cancel_atom, call id)` from a supervisor's gate to a
/// worker's.
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
/// A gate's counts: `(counts_atom, local_only)` → (admitted, timed out
/// before running, dropped because the caller gave up, of the admitted
/// those gateways' threads ran themselves).
using counts_atom = caf::atom_constant<caf::atom("counts")>;
/// The metrics of a process: `(metrics_atom, local_only)` to a supervisor
/// → a reply holding {"<worker index>": snapshot JSON}; `(metrics_atom,
/// link token)` to a worker's agent → a reply holding its snapshot.
using metrics_atom = caf::atom_constant<caf::atom("metrics")>;
/// The calls in flight (GET /debug/calls): `(debug_calls_atom, local_only)`
/// to a gate → a reply holding its route's figures and calls; to a
/// supervisor → {"<worker index>": [its gates' answers]}; `(debug_calls_atom,
/// link token)` to a worker's agent → [its gates' answers].
using debug_calls_atom = caf::atom_constant<caf::atom("dbg_calls")>;
/// The broadcast's drain deadline.
using deadline_atom = caf::atom_constant<caf::atom("deadline")>;

/// A remote gate's instances (the route's gates in worker processes): one
/// joins / its worker is lost / its worker retires (see route_gate.hpp).
using add_instance_atom = caf::atom_constant<caf::atom("g_add")>;
/// A gate to itself: start a new instance in place of one that stopped.
using replace_instance_atom = caf::atom_constant<caf::atom("g_replace")>;
using lost_worker_atom = caf::atom_constant<caf::atom("g_lost")>;
using retire_worker_atom = caf::atom_constant<caf::atom("g_retire")>;

} // namespace actorserve
