#pragma once

#include "actors/json.hpp"

namespace actorserve {

/// What a route instance is constructed with: the index of the worker it runs
/// in (0 in a single-process service) and that worker's context, a JSON value
/// the service's owner chose (`worker_contexts[i]` goes to worker i).
struct worker_context {
  int worker_index = 0;
  json value;
};

} // namespace actorserve
