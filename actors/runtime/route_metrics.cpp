#include "actors/runtime/route_metrics.hpp"

namespace actorserve {

namespace {

const char* calls_help = "Calls a route's gate answered, by outcome: ok or the error type.";

const char* reason_name(drop_reason why) {
  switch (why) {
    case drop_reason::backlog_full:
      return "backlog_full";
    case drop_reason::shutting_down:
      return "shutting_down";
    case drop_reason::deadline:
      return "deadline";
    case drop_reason::caller_gone:
      return "caller_gone";
    default:
      return "call_depth";
  }
}

} // namespace

route_metrics::route_metrics(std::shared_ptr<metrics::registry> registry,
                             const std::string& route, bool batching)
  : registry_(std::move(registry)),
    route_(route),
    ok_(registry_->counter_of("actorserve_calls_total", calls_help, {{"route", route}, {"outcome", "ok"}})),
    duration_(registry_->histogram_of("actorserve_call_duration_seconds",
                             "Time from a call's admission by its route's gate to its answer.",
                             metrics::duration_bounds(), 1e-9, {{"route", route}})),
    in_flight_(registry_->gauge_of("actorserve_calls_in_flight",
                          "Calls a route's gate admitted and has not answered yet.",
                          {{"route", route}})),
    waiting_(registry_->gauge_of("actorserve_calls_waiting",
                        "Calls in flight that wait for a free instance or a batch.",
                        {{"route", route}})),
    capacity_(registry_->gauge_of("actorserve_route_capacity",
                         "Calls a route's gate holds in flight at most (past it: BacklogFull).",
                         {{"route", route}})) {
  if (batching)
    batch_size_ = &registry_->histogram_of("actorserve_batch_size",
                                  "Calls in each batch a batching route ran.",
                                  metrics::size_bounds(), 1.0, {{"route", route}});
  for (auto why : {drop_reason::backlog_full, drop_reason::shutting_down, drop_reason::deadline,
                   drop_reason::caller_gone, drop_reason::call_depth})
    dropped_[static_cast<int>(why)]
      = &registry_->counter_of("actorserve_calls_dropped_total",
                      "Calls a route's gate answered without running them, by reason.",
                      {{"route", route}, {"reason", reason_name(why)}});
}

void route_metrics::answered(const reply& r, std::chrono::nanoseconds took) {
  if (r.ok())
    ok_.add();
  else
    outcome(r.error_type()).add();
  if (took.count() >= 0)
    duration_.observe(static_cast<std::uint64_t>(took.count()));
}

void route_metrics::dropped(drop_reason why) {
  dropped_[static_cast<int>(why)]->add();
}

metrics::counter& route_metrics::outcome(const std::string& type) {
  std::lock_guard<std::mutex> guard{errors_mutex_};
  auto it = errors_.find(type);
  if (it != errors_.end())
    return *it->second;
  auto& name = errors_.size() < max_outcomes ? type : std::string{"other"};
  auto& c = registry_->counter_of("actorserve_calls_total", calls_help,
                                 {{"route", route_}, {"outcome", name}});
  if (errors_.size() < max_outcomes)
    errors_.emplace(type, &c);
  return c;
}

} // namespace actorserve
