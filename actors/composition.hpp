#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/json.hpp"

namespace actorserve {

class composition;

/// One member of a composition: the path of a route of the application, or
/// a composition of its own (nested, without a path).
class route_member {
public:
  route_member(const char* path) : path_(path) {
  }
  route_member(std::string path) : path_(std::move(path)) {
  }
  route_member(composition nested);

  /// The route's path; empty for a nested composition.
  const std::string& path() const noexcept {
    return path_;
  }

  /// The nested composition, or nullptr for a route.
  const composition* nested() const noexcept {
    return nested_.get();
  }

private:
  std::string path_;
  std::shared_ptr<const composition> nested_;
};

/// Picks the member of a switch_route that takes an input: its index (a
/// number) or its path (a string). What it throws answers that call.
using switch_selector = std::function<json(const json& input)>;

/// A route made of routes (docs/composition.md): add it to an application
/// with `application::add_route(path, composition)`, where every gateway
/// serves it like any route. Make one with sequential, ensemble or
/// switch_route.
class composition {
public:
  enum class kind { sequential, ensemble, switch_route };

  kind type() const noexcept {
    return type_;
  }

  const std::vector<route_member>& members() const noexcept {
    return members_;
  }

  /// ensemble: the first member error answers the call at once.
  bool fail_fast() const noexcept {
    return fail_fast_;
  }

  /// switch_route: picks the member.
  const switch_selector& selector() const noexcept {
    return selector_;
  }

  /// Every route path named in it, nested ones included.
  std::vector<std::string> paths() const;

  /// Its kind as the docs and error messages name it.
  const char* name() const noexcept;

private:
  friend composition sequential(std::vector<route_member> members);
  friend composition ensemble(std::vector<route_member> members, bool fail_fast);
  friend composition switch_route(switch_selector selector, std::vector<route_member> members);

  composition(kind type, std::vector<route_member> members);
  std::string article() const;

  kind type_;
  std::vector<route_member> members_;
  bool fail_fast_ = true;
  switch_selector selector_;
};

/// Each member's output is the next one's input; the first error ends the
/// chain with that error. At least one member.
composition sequential(std::vector<route_member> members);

/// Every member gets the same input; the result is the list of their
/// outputs in member order. With `fail_fast` the first member error answers
/// EnsembleError at once; without it, a failed member's place in the list
/// holds `{"error": {"type", "message"}}`, and EnsembleError answers only
/// when every member failed. At least one member.
composition ensemble(std::vector<route_member> members, bool fail_fast = true);

/// `selector(input)` picks the one member that answers the call. At least
/// one member.
composition switch_route(switch_selector selector, std::vector<route_member> members);

} // namespace actorserve
