#include "actors/runtime/start_route.hpp"

#include <stdexcept>

#include "actors/runtime/exception_name.hpp"
#include "actors/runtime/route_gate.hpp"

namespace actorserve {

started_route start_route(caf::actor_system& sys, const route_spec& spec,
                          const worker_context& context, const caf::node_id& supervisor,
                          std::shared_ptr<const route_directory> directory,
                          std::shared_ptr<metrics::registry> metrics) {
  auto make_instance = [&sys, spec, context] {
    return spec.factory(sys, context, spec.options);
  };
  gate_settings settings;
  settings.path = spec.path;
  settings.options = spec.options;
  settings.respawn = make_instance;
  settings.caller_node = supervisor;
  settings.answer_at_deadline = !supervisor;
  settings.directory = std::move(directory);
  if (metrics != nullptr)
    settings.metrics
      = std::make_shared<route_metrics>(metrics, spec.path, spec.options.batch_size > 0);
  if (spec.function && !spec.options.blocking) {
    // A batch's input is its calls' inputs: only the gate gathers them.
    bool direct = spec.function_answers_at_once && spec.options.batch_size == 0;
    auto max_depth = settings.directory ? settings.directory->max_call_depth()
                                        : default_max_call_depth;
    settings.in_place = std::make_shared<in_place_route>(spec.path, spec.function, direct,
                                                         settings.metrics, sys.clock(),
                                                         max_depth);
    auto in_place = settings.in_place;
    return {sys.spawn<route_gate>(std::move(settings)), std::move(in_place)};
  }
  try {
    for (size_t i = 0; i < spec.options.concurrency; ++i)
      settings.instances.push_back(make_instance());
  } catch (const std::exception& e) {
    for (auto& started : settings.instances)
      caf::anon_send_exit(started, caf::exit_reason::user_shutdown);
    throw std::runtime_error("route " + spec.path + " failed to start: "
                             + exception_name(e) + ": " + e.what());
  }
  return {sys.spawn<route_gate>(std::move(settings)), nullptr};
}

} // namespace actorserve
