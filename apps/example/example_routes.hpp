#pragma once

#include "actors/application.hpp"

namespace actorserve::example {

/// The example service's routes:
/// - /double: number n → 2n; {"x": n} → {"x": n, "y": 2n}; string s → ss;
///   anything else → TypeError.
/// - /echo: its input, unchanged.
/// - /sleep: answers its input (seconds) after that long, holding no thread.
/// - /spin: burns CPU for its input (milliseconds) on a blocking route with
///   one instance per core; answers {"pid"}.
/// - /info: {"pid", "worker_index", "worker_context"}.
/// - /fail: an ExampleError whose message is its input.
/// Every route but /spin takes 16384 calls at once; /spin takes 256.
application make_example_application();

} // namespace actorserve::example
