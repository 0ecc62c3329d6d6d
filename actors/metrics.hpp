#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "actors/json.hpp"

// What a process counts about itself, and the Prometheus text exposition
// format (version 0.0.4) it is read in. CAF-free: gateways and clients use
// it too. Series are updated with relaxed atomics, so counting costs a few
// nanoseconds on the path of a call; reading takes a consistent-enough view
// (each value is whole, the set is not one instant).
namespace actorserve::metrics {

/// A series' labels, in the order they are written.
using labels = std::vector<std::pair<std::string, std::string>>;

/// A count that only grows.
class counter {
public:
  void add(std::uint64_t n = 1) noexcept {
    value_.fetch_add(n, std::memory_order_relaxed);
  }
  std::uint64_t value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

private:
  std::atomic<std::uint64_t> value_{0};
};

/// A value that goes up and down.
class gauge {
public:
  void set(std::int64_t v) noexcept {
    value_.store(v, std::memory_order_relaxed);
  }
  void add(std::int64_t n) noexcept {
    value_.fetch_add(n, std::memory_order_relaxed);
  }
  std::int64_t value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

private:
  std::atomic<std::int64_t> value_{0};
};

/// Observations counted in buckets. Observations are whole units (say
/// nanoseconds); `scale` turns a unit into what is exposed (1e-9: seconds).
class histogram {
public:
  /// `bounds`: the buckets' upper bounds in units, ascending.
  histogram(std::vector<std::uint64_t> bounds, double scale);

  void observe(std::uint64_t units) noexcept;

  const std::vector<std::uint64_t>& bounds() const noexcept {
    return bounds_;
  }
  double scale() const noexcept {
    return scale_;
  }
  /// Observations at most bounds()[i] but above the bound before (the last
  /// one: above every bound).
  std::uint64_t bucket(std::size_t i) const noexcept {
    return buckets_[i].load(std::memory_order_relaxed);
  }
  std::uint64_t count() const noexcept {
    return count_.load(std::memory_order_relaxed);
  }
  std::uint64_t sum() const noexcept {
    return sum_.load(std::memory_order_relaxed);
  }

private:
  std::vector<std::uint64_t> bounds_;
  double scale_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_; // bounds + 1
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_{0};
};

/// Bounds for call durations in nanoseconds: 50 us to 60 s.
const std::vector<std::uint64_t>& duration_bounds();

/// Bounds for sizes (a batch's calls): 1, 2, 4, ... 1024.
const std::vector<std::uint64_t>& size_bounds();

enum class kind { counter, gauge, histogram };

/// One line of the exposition: the family's name plus `suffix` ("",
/// "_bucket", "_sum", "_count"), its labels and its value.
struct sample {
  std::string suffix;
  labels names;
  double value = 0;
};

/// A metric family as read at one moment.
struct family {
  std::string name;
  std::string help;
  kind type = kind::gauge;
  std::vector<sample> samples;
};

/// What a process (or a service of processes) exposes at one moment, one
/// entry per family name.
using snapshot = std::vector<family>;

/// The text exposition of `s`: HELP and TYPE lines, then the samples.
std::string render(const snapshot& s);

/// Adds the label `name="value"` to every sample of `s` (a worker's figures
/// in its supervisor's exposition).
void add_label(snapshot& s, const std::string& name, const std::string& value);

/// Adds `from`'s families to `into`: samples of a family both have join it.
void merge(snapshot& into, snapshot&& from);

/// `s` as JSON, for the link between a worker and its supervisor.
json to_json(const snapshot& s);

/// The snapshot `j` holds; what does not fit the format (a name or a label
/// that Prometheus would refuse, a value that is no number) is left out.
/// At most `max_samples` samples are taken.
snapshot snapshot_from_json(const json& j, std::size_t max_samples = 100000);

/// Whether `name` is a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*); label
/// names are the same without ':'.
bool valid_metric_name(const std::string& name);
bool valid_label_name(const std::string& name);

/// The series of one process, by family and labels. Series live as long as
/// the registry: what `counter_of` and the others return may be kept and
/// updated from any thread.
class registry {
public:
  /// At most this many series per family: past it, new label sets all
  /// share one series that is not exposed (a bug that makes a label from
  /// input must not grow the process without bound).
  static constexpr std::size_t max_series_per_family = 4096;

  counter& counter_of(const std::string& name, const std::string& help, const labels& l = {});
  gauge& gauge_of(const std::string& name, const std::string& help, const labels& l = {});
  /// The bounds of a family are those of its first series.
  histogram& histogram_of(const std::string& name, const std::string& help,
                          const std::vector<std::uint64_t>& bounds, double scale,
                          const labels& l = {});

  /// Runs at every `collect`, adding families read at that moment (the
  /// process's memory, a worker's state).
  void add_collector(std::function<void(snapshot&)> collector);

  /// Every family with its series as they are now, then what the collectors
  /// add.
  snapshot collect() const;

private:
  struct family_entry {
    std::string help;
    kind type;
    std::map<labels, std::unique_ptr<counter>> counters;
    std::map<labels, std::unique_ptr<gauge>> gauges;
    std::map<labels, std::unique_ptr<histogram>> histograms;
    std::unique_ptr<counter> spare_counter;
    std::unique_ptr<gauge> spare_gauge;
    std::unique_ptr<histogram> spare_histogram;
  };
  family_entry& entry(const std::string& name, const std::string& help, kind type);

  mutable std::mutex mutex_;
  std::map<std::string, family_entry> families_;
  std::vector<std::function<void(snapshot&)>> collectors_;
};

} // namespace actorserve::metrics
