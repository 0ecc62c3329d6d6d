#include "apps/client/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace actorserve::client {

std::size_t latency_histogram::bucket_of(std::uint64_t ns) noexcept {
  ns = std::min(ns, (std::uint64_t{1} << (top_bit + 1)) - 1);
  if (ns < sub_count)
    return static_cast<std::size_t>(ns);
  int msb = 63 - __builtin_clzll(ns);
  int shift = msb - sub_bits;
  return static_cast<std::size_t>(sub_count * (shift + 1) + ((ns >> shift) - sub_count));
}

std::uint64_t latency_histogram::value_of(std::size_t i) noexcept {
  if (i < sub_count)
    return i;
  auto shift = i / sub_count - 1;
  auto lower = (i % sub_count + sub_count) << shift;
  return lower + ((std::uint64_t{1} << shift) - 1) / 2;
}

void latency_histogram::record(std::chrono::nanoseconds latency) noexcept {
  auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(latency.count(), 0));
  counts_[bucket_of(ns)].fetch_add(1, std::memory_order_relaxed);
  total_ns_.fetch_add(ns, std::memory_order_relaxed);
  auto seen = max_ns_.load(std::memory_order_relaxed);
  while (ns > seen && !max_ns_.compare_exchange_weak(seen, ns, std::memory_order_relaxed)) {
  }
}

std::uint64_t latency_histogram::count() const noexcept {
  std::uint64_t n = 0;
  for (auto& c : counts_)
    n += c.load(std::memory_order_relaxed);
  return n;
}

std::chrono::nanoseconds latency_histogram::percentile(double fraction) const noexcept {
  auto n = count();
  if (n == 0)
    return std::chrono::nanoseconds{0};
  fraction = std::clamp(fraction, 0.0, 1.0);
  // The rank of the sample wanted, from 1: the smallest value with at least
  // `fraction` of the samples at or below it.
  auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(fraction * n)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += counts_[i].load(std::memory_order_relaxed);
    if (seen >= rank)
      return std::chrono::nanoseconds{static_cast<std::int64_t>(
        std::min(value_of(i), max_ns_.load(std::memory_order_relaxed)))};
  }
  return max();
}

std::chrono::nanoseconds latency_histogram::mean() const noexcept {
  auto n = count();
  return std::chrono::nanoseconds{
    n == 0 ? 0 : static_cast<std::int64_t>(total_ns_.load(std::memory_order_relaxed) / n)};
}

std::chrono::nanoseconds latency_histogram::max() const noexcept {
  return std::chrono::nanoseconds{static_cast<std::int64_t>(max_ns_.load(std::memory_order_relaxed))};
}

} // namespace actorserve::client
