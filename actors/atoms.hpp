#pragma once

// The message tags the runtime's actors speak. CAF 0.17 atoms hold at most
// ten characters.
#include <caf/atom.hpp>

namespace actorserve {

/// A call to a route: `(call_atom, call)` answered with a `reply`.
using call_atom = caf::atom_constant<caf::atom("call")>;
/// The shutdown broadcast: stop admitting, finish what is admitted.
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
/// A participant's answer to the broadcast: nothing of mine is in flight.
using drained_atom = caf::atom_constant<caf::atom("drained")>;
/// The end of the drain: release everything and quit.
using stop_atom = caf::atom_constant<caf::atom("stop")>;
/// A participant (gateway, route gate) joins the supervisor's broadcast.
using join_atom = caf::atom_constant<caf::atom("join")>;
/// A gate's deadline sweep.
using tick_atom = caf::atom_constant<caf::atom("tick")>;
/// The supervisor's drain deadline.
using deadline_atom = caf::atom_constant<caf::atom("deadline")>;

} // namespace actorserve
