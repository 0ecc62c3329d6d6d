#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include <caf/actor_clock.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/sec.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/none.hpp>

#include "actors/json.hpp"
#include "actors/json_wire.hpp"

namespace actorserve {

class cancel_token;
class route_directory;

/// When a caller stops waiting, on CAF's actor clock (steady time; the
/// deterministic test clock in unit tests).
using deadline_point = caf::actor_clock::time_point;

/// A call to a route: `(call_atom, call)`, answered with a `reply`.
using call_atom = caf::atom_constant<caf::atom("call")>;

/// One call of a route. Gateways make them from wire input; routes receive
/// them as `(call_atom, call)` and answer with a `reply`.
struct call {
  call() = default;

  call(std::string path, json input, deadline_point deadline, std::uint64_t id = 0,
       json meta = nullptr)
    : path(std::move(path)), input(std::move(input)), deadline(deadline), id(id),
      meta(std::move(meta)) {
  }

  /// The route's path, e.g. "/double".
  std::string path;
  /// The route's input; null when the caller passed none.
  json input;
  /// When the caller stops waiting. A reply after it is dropped and the
  /// caller gets a Timeout error at the deadline.
  deadline_point deadline;
  /// Chosen by the caller, for logs and correlation; not interpreted.
  std::uint64_t id = 0;
  /// What the gateway knows of the request that a route may ask for
  /// (HTTP method, query, headers); null when there is nothing.
  json meta;
  /// The id of the call that made this one (a route calling a route); 0
  /// for a call from a gateway or from code that is not a route.
  std::uint64_t parent = 0;
  /// The request this call serves, for logs: the HTTP gateway's
  /// X-Request-Id, the socket gateway's connection and record id. A
  /// route's calls carry their parent's; it crosses to workers. Never an
  /// identity: anything a client wrote passed request_id.hpp's check.
  std::string request_id;
  /// How many route calls lie above this one: 0 from a gateway, the
  /// parent's depth + 1 for a route's call. Past node_options::
  /// max_call_depth a gate refuses the call (CallDepthExceeded).
  std::uint32_t depth = 0;
  /// The routes of the process the call runs in, which the route may call
  /// (route_call.hpp); set by the gate that admits the call. Never leaves
  /// the process.
  std::shared_ptr<const route_directory> routes;
  /// Cancelled when the caller gives up (cancel_token.hpp): a gate then
  /// drops the call if it has not started to run. Set by a gateway, or by
  /// the gate that admits the call; never leaves the process.
  std::shared_ptr<cancel_token> cancel;

  /// It came from another process and could not be decoded.
  bool damaged() const noexcept {
    return input.is_discarded();
  }

  /// Time left before the deadline, as of `now`.
  std::chrono::nanoseconds remaining(deadline_point now) const {
    return deadline - now;
  }

  // Across processes the deadline travels as the time left, so that the
  // receiving clock re-anchors it.
  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, call& x) {
    std::string input;
    std::string meta;
    std::int64_t remaining_ns = 0;
    if constexpr (Inspector::reads_state) {
      input = json_to_wire(x.input);
      meta = json_to_wire(x.meta);
      remaining_ns = x.remaining(std::chrono::steady_clock::now()).count();
    }
    auto decode = [&]() -> caf::error {
      // A damaged call is kept, so that it is answered: its input is then
      // discarded (see damaged()), and the gate refuses it.
      if (!json_from_wire(input, x.input) || !json_from_wire(meta, x.meta)) {
        x.input = json(json::value_t::discarded);
        x.meta = nullptr;
      }
      // The time left is the peer's word: held to a year either way, so
      // that no arithmetic on it can overflow.
      constexpr std::int64_t year_ns = 365LL * 24 * 3600 * 1000000000LL;
      x.deadline = std::chrono::steady_clock::now()
                   + std::chrono::nanoseconds{std::clamp(remaining_ns, -year_ns, year_ns)};
      return caf::none;
    };
    return f(caf::meta::type_name("actorserve::call"), x.path, x.id, x.parent,
             x.depth, x.request_id, remaining_ns, input, meta, caf::meta::load_callback(decode));
  }
};

} // namespace actorserve
