#include "actors/node.hpp"

#include <thread>

#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "actors/atoms.hpp"
#include "actors/call_error.hpp"
#include "actors/error_type.hpp"
#include "actors/message_types.hpp"
#include "actors/route_gate.hpp"
#include "actors/signal_watcher.hpp"
#include "actors/start_route.hpp"
#include "actors/supervisor.hpp"

namespace actorserve {

namespace {

caf::actor_system_config& configure(caf::actor_system_config& cfg,
                                    const node_options& options) {
  add_message_types(cfg);
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  auto threads = options.scheduler_threads;
  if (threads == 0)
    threads = std::max(2u, std::thread::hardware_concurrency());
  cfg.set("scheduler.max-threads", threads);
  // CAF's idle workers first poll with 50 us sleeps between attempts, which
  // adds that much to every call arriving from a gateway's thread. Go from
  // the busy polling phase straight to sleeping on a condition variable,
  // which an enqueue wakes at once.
  cfg.set("work-stealing.moderate-poll-attempts", size_t{0});
  return cfg;
}

} // namespace

node::node(const application& app, node_options options)
  : options_(std::move(options)) {
  if (options_.handle_signals)
    signals_ = std::make_unique<signal_watcher>([this](int n) { on_signal(n); });
  system_ = std::make_unique<caf::actor_system>(configure(config_, options_));
  supervisor_ = system_->spawn<supervisor>(options_.drain_timeout);
  try {
    for (auto& spec : app.routes()) {
      auto gate = start_route(*system_, spec, options_.context);
      routes_.emplace(spec.path, gate);
      route_settings_.emplace(spec.path, spec.options);
      join(gate);
    }
  } catch (...) {
    stop_now();
    wait();
    throw;
  }
  int early = 0;
  {
    std::lock_guard<std::mutex> guard{start_mutex_};
    started_ = true;
    early = early_signals_;
  }
  if (early > 0)
    on_signal(early);
}

node::~node() {
  shutdown();
  wait();
  signals_.reset(); // no signal may touch the node from here on
  routes_.clear();
  supervisor_ = nullptr;
  system_.reset(); // waits for every actor to quit
  signals_.reset();
}

void node::on_signal(int count) {
  {
    std::lock_guard<std::mutex> guard{start_mutex_};
    if (!started_) {
      early_signals_ = count;
      return;
    }
  }
  if (count == 1)
    shutdown();
  else
    stop_now();
}

json node::call(const std::string& path, json input,
                std::chrono::milliseconds timeout) {
  return call_async(path, std::move(input), timeout).get();
}

std::future<json> node::call_async(const std::string& path, json input,
                                   std::chrono::milliseconds timeout) {
  auto promise = std::make_shared<std::promise<json>>();
  auto result = promise->get_future();
  actorserve::call request{path, std::move(input), deadline_after(timeout),
               next_call_id_++, nullptr};
  call_async(std::move(request), [promise](reply r) {
    if (r.ok())
      promise->set_value(std::move(r.value()));
    else
      promise->set_exception(std::make_exception_ptr(
        call_error(r.error_type(), r.error_message())));
  });
  return result;
}

void node::call_async(actorserve::call request, std::function<void(reply)> on_reply) {
  auto gate = route(request.path);
  if (!gate) {
    on_reply(reply::failure(error_type::not_found,
                            "no route " + request.path));
    return;
  }
  if (request.id == 0)
    request.id = next_call_id_++;
  caf::anon_send(gate, call_atom::value, std::move(request),
                 reply_callback{std::move(on_reply)});
}

deadline_point node::deadline_after(std::chrono::nanoseconds timeout) {
  return system_->clock().now() + timeout;
}

caf::actor node::route(const std::string& path) const {
  auto it = routes_.find(path);
  return it == routes_.end() ? caf::actor{} : it->second;
}

const route_options* node::route_settings(const std::string& path) const {
  auto it = route_settings_.find(path);
  return it == route_settings_.end() ? nullptr : &it->second;
}

void node::join(const caf::actor& participant) {
  caf::anon_send(supervisor_, join_atom::value, participant);
}

void node::shutdown() {
  caf::anon_send(supervisor_, shutdown_atom::value);
}

void node::stop_now() {
  caf::anon_send(supervisor_, stop_atom::value);
}

void node::wait() {
  std::call_once(waited_, [this] {
    caf::scoped_actor self{*system_};
    self->wait_for(supervisor_);
  });
}

} // namespace actorserve
