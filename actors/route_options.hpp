#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace actorserve {

/// How a route runs and how much it takes on.
struct route_options {
  /// The route's code blocks or burns CPU: each instance runs on a thread of
  /// its own (a detached actor) and takes one call at a time, so it never
  /// stalls the scheduler that gateways and other routes share.
  bool blocking = false;
  /// Instances of the route; each is constructed with the worker_context.
  /// For a blocking route this is how many calls run at once.
  std::size_t concurrency = 1;
  /// Calls admitted at once (running or waiting for an instance). One more is
  /// rejected at once with BacklogFull, never queued without bound.
  std::size_t capacity = 256;
  /// The HTTP methods the route answers (a route that answers GET answers
  /// HEAD too); other gateways ignore them.
  std::vector<std::string> methods{"POST"};
  /// Hand the route what the gateway knows of the request in `call::meta`
  /// (HTTP: method, target, path, query, headers, peer). Off by default:
  /// it costs time on every call.
  bool request_details = false;
  /// Dynamic batching (docs/batching.md); 0 is off. Above 0 the route takes
  /// a list of inputs and returns a list of as many results, in order: its
  /// gate gathers calls from every gateway and connection into batches of at
  /// most this many. At most `capacity`.
  std::size_t batch_size = 0;
  /// How long a batch waits for more calls after its first one arrived
  /// before it runs unfilled (when `batch_size` > 1). 0 runs what is there;
  /// at most 1 hour.
  std::chrono::milliseconds batch_wait_time{10};
};

} // namespace actorserve
