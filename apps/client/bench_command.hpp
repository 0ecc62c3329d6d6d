#pragma once

// `actorserve-client bench`: keeps N calls to one route in flight for a
// while, over the socket gateway or over HTTP, and reports throughput,
// latency percentiles and errors by type (as Triton's perf_analyzer does).
#include <chrono>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>

#include "actors/json.hpp"
#include "apps/client/http_bench_client.hpp"
#include "gateways/socket/socket_client.hpp"

namespace actorserve::client {

/// A bench command line that cannot run; the message names the option and
/// the value.
class bench_usage_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The most calls in flight `--concurrency` takes.
inline constexpr std::size_t max_bench_concurrency = 10000;

/// The longest `--duration`: a day.
inline constexpr std::chrono::seconds max_bench_duration{86400};

/// What `actorserve-client bench` does, and where.
struct bench_options {
  /// The route called.
  std::string path;
  /// The data of every call (`--data`, JSON; null by default).
  json data = nullptr;
  /// Calls in flight at once (`--concurrency`).
  std::size_t concurrency = 1;
  /// How long new calls are started (`--duration`); the calls in flight
  /// then are waited for.
  std::chrono::milliseconds duration{std::chrono::seconds{10}};
  /// How long one call may take before it counts as a Timeout error.
  std::chrono::milliseconds timeout{std::chrono::seconds{60}};
  /// Print the summary as one JSON object (`--json`).
  bool json_output = false;
  /// The socket gateway. `num_connections` 0 opens min(concurrency, 4);
  /// the backlog is set to `concurrency`.
  socket::client_options socket;
  /// The HTTP gateway (`--http URL`); when set, `socket` is not used. Each
  /// call in flight has a connection of its own.
  std::optional<http_url> http;
  /// The URL as given, for the summary.
  std::string http_text;

  /// Sets the bench option `name` (without its `--`: data, concurrency,
  /// duration, json, http) from its command-line text; false when `name`
  /// is not one of them. Throws bench_usage_error naming the value.
  bool set(const std::string& name, const std::string& value);

  /// Whether the bench option `name` is a flag, which takes no value.
  static bool is_flag(const std::string& name);
};

/// Runs the bench: connects, makes calls for `duration`, prints the
/// summary on stdout (a human one ending in a `BENCH client-bench ...`
/// line, or one JSON object), and while it runs a progress line on stderr
/// once a second when stderr is a terminal. Ctrl-C stops it early, with the
/// summary of what ran. Returns the exit code: 0 it ran (whatever errors
/// the service answered), 3 it could not connect or lost the service
/// (after the summary of what ran), 2 it could not start (too few open
/// files allowed for the HTTP connections, or threads it cannot start).
int run_bench(const bench_options& options);

} // namespace actorserve::client
