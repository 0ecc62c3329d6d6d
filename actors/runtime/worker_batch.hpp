#pragma once

// How calls and replies cross between a supervisor's gate and a worker's
// gate: many to a message. A CAF message across processes costs a header,
// a system call each way and a thread hand-over on both sides, whatever it
// holds; while other calls are in flight, one message carries all the
// calls (or replies) that are ready, so that cost is paid once for them.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include "actors/call.hpp"
#include "actors/reply.hpp"

namespace actorserve {

/// `(call_batch_atom, call_batch)`: a supervisor's gate to a worker's gate,
/// which answers with `(reply_batch_atom, reply_batch)` to the sender.
using call_batch_atom = caf::atom_constant<caf::atom("w_calls")>;
using reply_batch_atom = caf::atom_constant<caf::atom("w_replies")>;
/// A gate sends itself this to send what it has gathered (local_only).
using flush_atom = caf::atom_constant<caf::atom("flush")>;

/// The most calls or replies one message carries: a message is encoded
/// whole before it is sent, so a long one would hold back its first call.
inline constexpr std::size_t max_calls_per_message = 64;

/// One call in a batch. The ticket is the supervisor gate's own id for it:
/// its reply and its cancel name it.
struct worker_call {
  std::uint64_t ticket = 0;
  call request;

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, worker_call& x) {
    return f(caf::meta::type_name("actorserve::worker_call"), x.ticket, x.request);
  }
};

/// One reply in a batch, to the call with that ticket.
struct worker_reply {
  std::uint64_t ticket = 0;
  reply answer;

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, worker_reply& x) {
    return f(caf::meta::type_name("actorserve::worker_reply"), x.ticket, x.answer);
  }
};

/// What proves that replies come from the worker gate their calls went to:
/// a CAF message's sender is whatever the peer wrote, so any worker could
/// name another's gate. A supervisor's gate draws one key per worker gate
/// at random, sends it only to that gate with its calls, and takes replies
/// only under it.
struct batch_key {
  std::uint64_t high = 0;
  std::uint64_t low = 0;

  static batch_key random();

  /// In time independent of where the keys differ.
  friend bool operator==(const batch_key& a, const batch_key& b) noexcept {
    return ((a.high ^ b.high) | (a.low ^ b.low)) == 0;
  }
  friend bool operator!=(const batch_key& a, const batch_key& b) noexcept {
    return !(a == b);
  }

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, batch_key& x) {
    return f(caf::meta::type_name("actorserve::batch_key"), x.high, x.low);
  }
};

/// Calls or replies, many to a message, under the key of the worker gate
/// they go to or come from.
template <class Item>
struct batch_of {
  batch_key key;
  std::vector<Item> items;

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, batch_of& x) {
    return f(caf::meta::type_name("actorserve::batch"), x.key, x.items);
  }
};

using call_batch = batch_of<worker_call>;
using reply_batch = batch_of<worker_reply>;

} // namespace actorserve
