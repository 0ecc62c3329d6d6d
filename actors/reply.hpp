#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <caf/error.hpp>
#include <caf/sec.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/none.hpp>

#include "actors/error_type.hpp"
#include "actors/json.hpp"
#include "actors/json_wire.hpp"

namespace actorserve {

class deferred_reply;

namespace detail {
struct deferred_state;
} // namespace detail

/// What a route answers a call with: a value, or an error with a type a
/// program can branch on and a message a person can act on.
class reply {
public:
  /// A null value.
  reply() = default;

  /// A value. Implicit, so a route may simply return a json.
  reply(json value) : value_(std::move(value)) {
  }

  /// An error answered on purpose, or produced by the runtime.
  static reply failure(std::string type, std::string message) {
    reply r;
    r.failed_ = true;
    r.error_type_ = std::move(type);
    r.error_message_ = std::move(message);
    return r;
  }

  bool ok() const noexcept {
    return !failed_;
  }

  /// The value; null for an error.
  const json& value() const& noexcept {
    return value_;
  }

  json& value() & noexcept {
    return value_;
  }

  /// From a temporary reply, the value itself (never a dangling reference).
  json value() && noexcept {
    return std::move(value_);
  }

  /// The error's type; empty for a value. From a temporary reply, the
  /// string itself, as value() gives.
  const std::string& error_type() const& noexcept {
    return error_type_;
  }

  std::string error_type() && noexcept {
    return std::move(error_type_);
  }

  /// The error's message; empty for a value.
  const std::string& error_message() const& noexcept {
    return error_message_;
  }

  std::string error_message() && noexcept {
    return std::move(error_message_);
  }

  /// What a route tells a gateway beside the value (an HTTP status, content
  /// type, headers: see gateways/http/http_reply.hpp); null when nothing.
  const json& meta() const& noexcept {
    return meta_;
  }

  json meta() && noexcept {
    return std::move(meta_);
  }

  reply& with_meta(json meta) & {
    meta_ = std::move(meta);
    return *this;
  }

  reply&& with_meta(json meta) && {
    meta_ = std::move(meta);
    return std::move(*this);
  }

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, reply& x) {
    std::string wire;
    std::string meta;
    if constexpr (Inspector::reads_state) {
      wire = json_to_wire(x.value_);
      meta = json_to_wire(x.meta_);
    }
    auto decode = [&]() -> caf::error {
      // A damaged reply still answers its call (dropping it would leave the
      // caller waiting): as an error that says so.
      if (!json_from_wire(wire, x.value_) || !json_from_wire(meta, x.meta_))
        x = failure(error_type::route_failed, "the reply could not be decoded: not MessagePack");
      return caf::none;
    };
    return f(caf::meta::type_name("actorserve::reply"), x.failed_,
             x.error_type_, x.error_message_, wire, meta,
             caf::meta::load_callback(decode));
  }

private:
  friend class deferred_reply;

  json value_;
  json meta_;
  bool failed_ = false;
  std::string error_type_;
  std::string error_message_;
  // A reply still to come (deferred_reply.hpp): only a route's own runtime
  // sees one, and waits for it; it never leaves the process.
  std::shared_ptr<detail::deferred_state> deferred_;
};

} // namespace actorserve
