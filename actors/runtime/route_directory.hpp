#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

#include <chrono>

#include <caf/actor.hpp>
#include <caf/actor_clock.hpp>

namespace actorserve {

/// The calls a route makes may be at most this many levels below the call
/// from a gateway (node_options::max_call_depth).
inline constexpr std::uint32_t default_max_call_depth = 32;

/// The gates of one process's routes, by path: what a route calls when it
/// calls a route (route_call.hpp, composition_route.hpp). The node fills it
/// while it starts its routes, before any call can arrive; afterwards it is
/// only read, from any thread.
class route_directory {
public:
  /// `clock` is the actor system's (deadlines are on it); without one,
  /// steady time.
  explicit route_directory(std::uint32_t max_call_depth = default_max_call_depth,
                           const caf::actor_clock* clock = nullptr)
    : max_call_depth_(max_call_depth), clock_(clock) {
  }

  /// Now, on the clock that calls' deadlines are on.
  caf::actor_clock::time_point now() const {
    return clock_ != nullptr ? clock_->now() : std::chrono::steady_clock::now();
  }

  void add(const std::string& path, caf::actor gate) {
    gates_[path] = std::move(gate);
  }

  /// The gate of the route at `path`, or an invalid handle.
  caf::actor find(const std::string& path) const {
    auto it = gates_.find(path);
    return it == gates_.end() ? caf::actor{} : it->second;
  }

  std::uint32_t max_call_depth() const noexcept {
    return max_call_depth_;
  }

private:
  std::unordered_map<std::string, caf::actor> gates_;
  std::uint32_t max_call_depth_;
  const caf::actor_clock* clock_;
};

} // namespace actorserve
