#include "actors/runtime/answer_log.hpp"

#include <cstdio>

#include "actors/error_type.hpp"
#include "actors/log.hpp"

namespace actorserve {

void log_answer(const std::string& path, bool remote, const call& request,
                std::optional<deadline_point> admitted, const caf::actor_clock& clock,
                const reply& r) {
  using log::level;
  if (remote
      && (r.ok()
          || (r.error_type() != error_type::timeout
              && r.error_type() != error_type::worker_lost)))
    return;
  auto at = level::info;
  if (r.ok()) {
    at = level::debug;
  } else {
    auto& type = r.error_type();
    if (type == error_type::worker_lost || type == error_type::route_failed)
      at = level::warning; // the service failed the call
    else if (type == error_type::backlog_full || type == error_type::shutting_down
             || type == error_type::cancelled)
      at = level::debug; // load shed: counted by the metrics, not worth a line each
    // Timeout stays at info: clients choose their deadlines, and an
    // overload must not flood the log with warnings.
  }
  if (!log::enabled(at))
    return;
  char duration[48] = "";
  if (admitted)
    std::snprintf(duration, sizeof duration, " (%.3f ms)",
                  std::chrono::duration<double, std::milli>(clock.now() - *admitted).count());
  auto what = r.ok() ? std::string("answered")
                     : "answered " + r.error_type() + ": " + r.error_message();
  auto text = "route " + path + " call " + std::to_string(request.id) + " " + what + duration;
  switch (at) {
    case level::debug:
      return log::debug(text, request.request_id);
    case level::info:
      return log::info(text, request.request_id);
    default:
      return log::warning(text, request.request_id);
  }
}

} // namespace actorserve
