#include "actors/composition.hpp"

#include <stdexcept>

namespace actorserve {

route_member::route_member(composition nested)
  : nested_(std::make_shared<const composition>(std::move(nested))) {
}

composition::composition(kind type, std::vector<route_member> members)
  : type_(type), members_(std::move(members)) {
  if (members_.empty())
    throw std::invalid_argument(article() + name() + " needs at least one member");
  for (auto& m : members_)
    if (!m.nested() && (m.path().empty() || m.path()[0] != '/'))
      throw std::invalid_argument(article() + name() + " member '" + m.path()
                                  + "' is not a route path (they start with '/')");
}

std::vector<std::string> composition::paths() const {
  std::vector<std::string> out;
  for (auto& m : members_) {
    if (m.nested()) {
      auto inner = m.nested()->paths();
      out.insert(out.end(), inner.begin(), inner.end());
    } else {
      out.push_back(m.path());
    }
  }
  return out;
}

std::string composition::article() const {
  return type_ == kind::ensemble ? "an " : "a ";
}

const char* composition::name() const noexcept {
  switch (type_) {
    case kind::sequential:
      return "sequential";
    case kind::ensemble:
      return "ensemble";
    default:
      return "switch_route";
  }
}

composition sequential(std::vector<route_member> members) {
  return composition{composition::kind::sequential, std::move(members)};
}

composition ensemble(std::vector<route_member> members, bool fail_fast) {
  composition c{composition::kind::ensemble, std::move(members)};
  c.fail_fast_ = fail_fast;
  return c;
}

composition switch_route(switch_selector selector, std::vector<route_member> members) {
  if (!selector)
    throw std::invalid_argument("a switch_route needs a selector");
  composition c{composition::kind::switch_route, std::move(members)};
  c.selector_ = std::move(selector);
  return c;
}

} // namespace actorserve
