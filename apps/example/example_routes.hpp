#pragma once

#include "actors/application.hpp"

namespace actorserve::example {

/// The example service's routes:
/// - /double: number n → 2n; {"x": n} → {"x": n, "y": 2n}; string s → ss;
///   anything else → TypeError.
/// - /echo: its input, unchanged.
/// - /sleep: answers its input (seconds) after that long, holding no thread.
/// - /spin: burns its input (milliseconds) of CPU time, counted on its own
///   thread's CPU clock, on a blocking route with one instance per core;
///   answers {"pid"}.
/// - /info: {"pid", "worker_index", "worker_context"}.
/// - /fail: an ExampleError whose message is its input.
/// - /head, /tail: the first (last) element of a list, character of a string;
///   /len: its length; /combine: [h, t, n] → (h + t) * n; /greet: "Hello, x!".
/// - /hello = sequential(ensemble(/head, /tail, /len), /combine, /greet):
///   "world" → "Hello, wdwdwdwdwd!", [1, 2, 3, 4] → "Hello, 20!".
/// - /strict, /lenient: ensemble(/double, /fail), fail_fast and not.
/// - /by_type: a switch_route, a number to /double, a string to /echo.
/// - /twice: a stateful route that calls /double twice.
/// - /batched: batches of up to 16 calls, gathered for 20 ms; answers
///   {"input": x, "batch": n}, n the size of the batch the call ran in.
/// Every route but /spin takes 16384 calls at once; /spin takes 256.
application make_example_application();

} // namespace actorserve::example
