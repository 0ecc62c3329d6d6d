#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "actors/metrics.hpp"
#include "actors/reply.hpp"

namespace actorserve {

/// Why a call never ran (actorserve_calls_dropped_total's reason label).
enum class drop_reason { backlog_full, shutting_down, deadline, caller_gone, call_depth };

/// What one route's gate counts (docs/operations.md, "Metrics"): its calls
/// by outcome, their durations, what is in flight, its capacity, what it
/// dropped and, batching, the batches' sizes. Used by the gate, and by the
/// gateways' threads that run its function in place (in_place_route.hpp) at
/// the same time: its series are atomic, and the map of error outcomes is
/// locked. The registry's series are read by whoever scrapes.
/// It holds the registry: a gate may outlive the node's own hold on it (a
/// start that fails unwinds the node while its gates still finish).
class route_metrics {
public:
  /// Distinct outcomes a route keeps apart; past them an error type counts
  /// as outcome="other" (a route that names errors after its input must not
  /// grow the registry).
  static constexpr std::size_t max_outcomes = 64;

  route_metrics(std::shared_ptr<metrics::registry> r, const std::string& route, bool batching);

  /// A call answered with `r`; `took` is from its admission, or negative for
  /// a call refused before it was admitted (not in the duration histogram).
  void answered(const reply& r, std::chrono::nanoseconds took);
  void dropped(drop_reason why);
  void load(std::size_t in_flight, std::size_t waiting) noexcept {
    in_flight_.set(static_cast<std::int64_t>(in_flight));
    waiting_.set(static_cast<std::int64_t>(waiting));
  }
  void capacity(std::size_t calls) noexcept {
    capacity_.set(static_cast<std::int64_t>(calls));
  }
  void batch(std::size_t calls) noexcept {
    if (batch_size_ != nullptr)
      batch_size_->observe(calls);
  }

private:
  metrics::counter& outcome(const std::string& type);

  std::shared_ptr<metrics::registry> registry_; // owns the series below
  std::string route_;
  metrics::counter& ok_;
  metrics::histogram& duration_;
  metrics::gauge& in_flight_;
  metrics::gauge& waiting_;
  metrics::gauge& capacity_;
  metrics::histogram* batch_size_ = nullptr;
  metrics::counter* dropped_[5] = {};
  std::mutex errors_mutex_;
  std::unordered_map<std::string, metrics::counter*> errors_;
};

} // namespace actorserve
