#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace actorserve::client {

/// Latencies counted into log-linear buckets, HdrHistogram's way: exact up
/// to 255 ns, then 128 buckets per power of two, so a percentile read back
/// is within 1/256 (0.4 %) of a sample's value. Its memory is fixed (45 KiB,
/// values up to 2^51 ns, about 26 days), however long a bench runs and
/// however many calls it makes. Safe to record into from any number of
/// threads at once (relaxed atomics, no lock).
class latency_histogram {
public:
  void record(std::chrono::nanoseconds latency) noexcept;

  /// Samples recorded.
  std::uint64_t count() const noexcept;

  /// The latency at or below which `fraction` (0 to 1) of the samples lie;
  /// zero when there are none.
  std::chrono::nanoseconds percentile(double fraction) const noexcept;

  std::chrono::nanoseconds mean() const noexcept;
  std::chrono::nanoseconds max() const noexcept;

private:
  static constexpr int sub_bits = 7;
  static constexpr std::uint64_t sub_count = std::uint64_t{1} << sub_bits;
  /// The highest bit a value may have; larger values count as the largest.
  static constexpr int top_bit = 50;
  static constexpr std::size_t bucket_count = (top_bit - sub_bits + 2) * sub_count;

  static std::size_t bucket_of(std::uint64_t ns) noexcept;
  /// The middle of bucket `i`'s range.
  static std::uint64_t value_of(std::size_t i) noexcept;

  std::array<std::atomic<std::uint64_t>, bucket_count> counts_{};
  std::atomic<std::uint64_t> total_ns_{0};
  std::atomic<std::uint64_t> max_ns_{0};
};

} // namespace actorserve::client
