#pragma once

#include "actors/metrics.hpp"

namespace actorserve::metrics {

/// Adds this process's standard metrics, read from /proc now:
/// process_resident_memory_bytes, process_virtual_memory_bytes,
/// process_cpu_seconds_total, process_open_fds, process_max_fds and
/// process_start_time_seconds. What cannot be read is left out.
void add_process_metrics(snapshot& s);

} // namespace actorserve::metrics
