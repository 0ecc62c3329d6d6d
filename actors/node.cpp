#include "actors/node.hpp"

#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <thread>

#include <caf/actor_cast.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/resumable.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "actors/call_error.hpp"
#include "actors/descriptor_limit.hpp"
#include "actors/error_type.hpp"
#include "actors/json_wire.hpp"
#include "actors/log.hpp"
#include "actors/process_metrics.hpp"
#include "actors/tls_files.hpp"
#include "actors/runtime/atoms.hpp"
#include "actors/runtime/calling_thread_unit.hpp"
#include "actors/runtime/gather.hpp"
#include "actors/runtime/in_place_route.hpp"
#include "actors/runtime/local_only.hpp"
#include "actors/runtime/message_types.hpp"
#include "actors/runtime/child_call.hpp"
#include "actors/runtime/reply_callback.hpp"
#include "actors/runtime/route_directory.hpp"
#include "actors/runtime/route_gate.hpp"
#include "actors/runtime/route_metrics.hpp"
#include "actors/runtime/shutdown_broadcast.hpp"
#include "actors/runtime/signal_watcher.hpp"
#include "actors/runtime/start_route.hpp"
#include "actors/workers/join_protocol.hpp"
#include "actors/workers/link_listener.hpp"
#include "actors/workers/node_link.hpp"
#include "actors/workers/supervisor.hpp"
#include "actors/workers/worker_agent.hpp"
#include "actors/workers/worker_board.hpp"
#include "actors/workers/worker_calls.hpp"
#include "actors/workers/worker_secret.hpp"

// The node is where the runtime (routes, gates, the broadcast) and the
// worker subsystem (supervisor, join protocol, agent) meet.
namespace actorserve {

namespace {

caf::actor_system_config& configure(caf::actor_system_config& cfg,
                                    const node_options& options) {
  add_message_types(cfg);
  add_join_message_types(cfg);
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
  // An idle worker wakes this often to look for work to steal. CAF's 10 ms
  // made an idle service burn 0.4 s of CPU a minute; an enqueue from
  // outside wakes a sleeping worker at once anyway, and a busy one steals
  // while it polls (docs/performance.md, "Idle cost": no benchmark moved).
  cfg.set("work-stealing.relaxed-sleep-duration", caf::timespan{std::chrono::seconds{1}});
  if (options.pool.links_nodes())
    configure_node_link(cfg, options.pool.tls);
  return cfg;
}

} // namespace

node::node(const application& app) : node(app, node_options{}) {
}

node::node(const application& app, node_options options)
  : options_(std::move(options)), gateway_unit_owner_(calling_thread_unit::new_owner()) {
  options_.pool.check();
  check_tls_files(options_.pool.tls); // here, not at the first connection
  app.check_members();
  set_wire_max_depth(options_.max_depth);
  raise_descriptor_limit(); // gateways hold a descriptor per connection
  if (options_.handle_signals)
    signals_ = std::make_unique<signal_watcher>([this](int n) { on_signal(n); });
  system_ = std::make_unique<caf::actor_system>(configure(config_, options_));
  directory_ = std::make_shared<route_directory>(options_.max_call_depth, &system_->clock());
  if (options_.metrics) {
    metrics_ = std::make_shared<metrics::registry>();
    metrics_->add_collector(metrics::add_process_metrics);
  }
  broadcast_ = system_->spawn<shutdown_broadcast>(options_.drain_timeout);
  try {
    auto& pool = options_.pool;
    if (pool.workers == 1 && !pool.worker_contexts.empty())
      options_.context.value = pool.worker_contexts[0];
    if (pool.join)
      join_as_worker(app);
    else if (pool.links_nodes())
      start_workers(app);
    else
      start_routes(app);
  } catch (...) {
    {
      std::lock_guard<std::mutex> guard{start_mutex_};
      abort_start_on_signal_ = false; // the broadcast goes away below
    }
    stop_now();
    wait();
    // No signal may reach the node while it unwinds; a second one during
    // the start must not kill the process either (it exits with the error).
    if (signals_)
      signals_->mute();
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

void node::add_route(const route_spec& spec, caf::actor gate,
                     std::shared_ptr<in_place_route> in_place) {
  join(gate);
  directory_->add(spec.path, gate);
  route_entry entry{gate, spec.options, spec.composite != nullptr, nullptr, nullptr};
  if (in_place && in_place->direct()) {
    entry.in_place = std::move(in_place);
    entry.gate_job = dynamic_cast<caf::resumable*>(caf::actor_cast<caf::abstract_actor*>(gate));
  }
  routes_.emplace(spec.path, std::move(entry));
}

bool node::stopped_by_signal() {
  std::lock_guard<std::mutex> guard{start_mutex_};
  return early_signals_ > 0;
}

void node::start_routes(const application& app, const caf::node_id& supervisor) {
  for (auto& spec : app.routes()) {
    auto started = start_route(*system_, spec, options_.context, supervisor, directory_, metrics_);
    add_route(spec, std::move(started.gate), std::move(started.in_place));
  }
}

void node::start_workers(const application& app) {
  auto& pool = options_.pool;
  if (pool.secret.empty())
    pool.secret = worker_secret::make(); // only this node's own workers can join
  // The main node's gates: admission and deadlines here, dispatch to the
  // workers' gates, each of which applies the route's own limits.
  supervisor_settings settings;
  for (auto& spec : app.routes()) {
    if (spec.composite) {
      // A composition runs here; its members' calls go to the workers.
      add_route(spec, start_route(*system_, spec, options_.context, {}, directory_,
                                  metrics_).gate);
      continue;
    }
    gate_settings gs;
    gs.path = spec.path;
    gs.options = spec.options;
    gs.remote = true;
    gs.options.blocking = false; // each worker's gate queues its blocking calls
    gs.options.batch_size = 0; // and gathers its batches
    gs.directory = directory_;
    if (metrics_)
      gs.metrics = std::make_shared<route_metrics>(metrics_, spec.path, false);
    auto gate = system_->spawn<route_gate>(std::move(gs));
    add_route(spec, gate);
    settings.gates.emplace_back(spec.path, gate);
  }
  board_ = std::make_shared<worker_board>();
  if (metrics_)
    metrics_->add_collector([board = std::weak_ptr<worker_board>(board_)](metrics::snapshot& s) {
      if (auto b = board.lock())
        add_worker_metrics(s, b->snapshot());
    });
  settings.options = pool;
  settings.options.join.reset();
  settings.board = board_;
  settings.link_broker = link_broker(*system_);
  auto broker = settings.link_broker;
  auto supervisor_actor = system_->spawn<supervisor>(std::move(settings));
  supervisor_ = supervisor_actor;
  join(supervisor_actor);
  if (pool.node_port) {
    auto tls = pool.tls.enabled();
    std::uint16_t port = 0;
    if (tls) {
      port = publish_over_tls(supervisor_actor, pool.node_host, *pool.node_port);
    } else {
      auto sys = system_.get();
      listener_ = std::make_unique<link_listener>(
        pool.node_host, *pool.node_port, pool.secret,
        [sys, broker, supervisor_actor](owned_fd link, const std::string&) {
          adopt_link_as_supervisor(*sys, broker, std::move(link), supervisor_actor);
        });
      port = listener_->port();
    }
    node_endpoint_ = join_address(pool.node_host, port);
    log::info("workers may join at " + node_endpoint_ + (tls ? " (TLS)" : ""));
  }
  {
    std::lock_guard<std::mutex> guard{start_mutex_};
    abort_start_on_signal_ = true;
    if (early_signals_ > 0)
      throw std::runtime_error("stopped by a signal before the workers started");
  }
  auto failure = start_own_workers(*system_, supervisor_actor, pool.start_timeout);
  {
    // From here a signal waits for the end of the start, then shuts down.
    std::lock_guard<std::mutex> guard{start_mutex_};
    abort_start_on_signal_ = false;
  }
  if (!failure.empty())
    throw std::runtime_error(failure);
  if (pool.workers > 1)
    log::info(std::to_string(pool.workers) + " workers are ready");
}

void node::join_as_worker(const application& app) {
  auto& invitation = *options_.pool.join;
  worker_handshake handshake{*system_, invitation, options_.pool.tls.enabled(),
                             [this] { return stopped_by_signal(); }};
  auto& assignment = handshake.assignment();
  auto index = assignment.index;
  options_.context.worker_index = index;
  options_.context.value
    = invitation.worker_index >= 0 ? json_from_wire(assignment.context) : invitation.context;
  log::set_label("worker " + std::to_string(index));
  // A worker this node's supervisor started goes with it, even while its
  // routes are still being constructed (before its link is watched).
  if (invitation.worker_index >= 0)
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  try {
    start_routes(app, handshake.supervisor().node());
  } catch (const std::exception& e) {
    // Told before this process exits, so the start fails with the reason.
    handshake.report_start_failure(e.what());
    throw;
  }
  gather_targets gates;
  for (auto& [path, entry] : routes_)
    if (!entry.composite)
      gates.emplace_back(path, entry.gate);
  auto agent = system_->spawn<worker_agent>(
    handshake.supervisor(), broadcast_, index, assignment.link_token,
    std::chrono::milliseconds{assignment.heartbeat_interval_ms},
    std::chrono::milliseconds{assignment.heartbeat_timeout_ms}, metrics_, std::move(gates));
  join(agent);
  worker_ready ready{index, ::getpid(), this_host(), agent, {}, {}, {}};
  for (auto& [path, entry] : routes_) {
    if (entry.composite)
      continue; // its supervisor runs its own
    ready.paths.push_back(path);
    ready.gates.push_back(entry.gate);
  }
  handshake.report_ready(std::move(ready));
  log::info("joined " + supervisor_name(invitation));
}

std::vector<worker_status> node::workers() const {
  return board_ ? board_->snapshot() : std::vector<worker_status>{};
}

node::~node() {
  shutdown();
  wait();
  listener_.reset(); // before the actor system: it hands links to CAF's middleman
  signals_.reset(); // no signal may touch the node from here on
  routes_.clear();
  supervisor_ = nullptr;
  directory_.reset(); // calls and gates that still hold it let go as they quit
  broadcast_ = nullptr;
  system_.reset(); // waits for every actor to quit
}

void node::on_signal(int count) {
  {
    std::lock_guard<std::mutex> guard{start_mutex_};
    if (!started_) {
      early_signals_ = count;
      // Waiting for workers can take long: a signal ends the start.
      if (abort_start_on_signal_)
        caf::anon_send(broadcast_, stop_atom::value, local_only{});
      return;
    }
  }
  if (count == 1)
    shutdown();
  else
    stop_now();
}

namespace {

/// A call_error for a reply that is not a value.
call_error error_of(const reply& r) {
  return call_error(r.error_type(), r.error_message());
}

} // namespace

json node::call(const std::string& path, json input,
                std::chrono::milliseconds timeout) {
  actorserve::call request{path, std::move(input), deadline_after(timeout), new_call_id(),
                           nullptr};
  // As on a gateway's thread, and off with the same option. (A supervisor's
  // routes have no function here: they run in its workers.)
  auto found = routes_.find(path);
  if (found != routes_.end() && found->second.in_place
      && options_.gateway_run_limit.count() > 0) {
    std::optional<reply> answer;
    if (found->second.in_place->call_directly(
          request, [&answer](reply r) { answer = std::move(r); })) {
      auto& r = answer.value(); // set: call_directly gave it to the callback
      if (r.ok())
        return std::move(r.value());
      throw error_of(r);
    }
  }
  return answer_later(std::move(request)).get();
}

std::future<json> node::call_async(const std::string& path, json input,
                                   std::chrono::milliseconds timeout) {
  return answer_later(actorserve::call{path, std::move(input), deadline_after(timeout),
                                       new_call_id(), nullptr});
}

std::future<json> node::answer_later(actorserve::call request) {
  auto promise = std::make_shared<std::promise<json>>();
  auto result = promise->get_future();
  call_async(std::move(request), [promise](reply r) {
    if (r.ok())
      promise->set_value(std::move(r.value()));
    else
      promise->set_exception(std::make_exception_ptr(error_of(r)));
  });
  return result;
}

void node::call_async(actorserve::call request, std::function<void(reply)> on_reply,
                      run_on where) {
  auto found = routes_.find(request.path);
  if (found == routes_.end()) {
    on_reply(reply::failure(error_type::not_found,
                            "no route " + request.path));
    return;
  }
  auto& entry = found->second;
  if (request.id == 0)
    request.id = new_call_id();
  // With workers, the gates stay on the scheduler threads: there a gate
  // finds the calls that came meanwhile in its mailbox and sends them to a
  // worker in one message (run here, each call went alone: 12 % fewer
  // requests per second through workers). A route's function running on
  // this thread calls through the scheduler threads: the thread may hold
  // its route's lock, and must not wait for another's.
  auto* here = where == run_on::calling_thread && options_.gateway_run_limit.count() > 0
                   && !has_workers() && !in_place_route::running_on_this_thread()
                 ? calling_thread_unit::of_this_thread(*system_, gateway_unit_owner_,
                                                    options_.gateway_run_limit)
                 : nullptr;
  // A plain function that answers at once runs right here, without the
  // message to its gate and back, unless its gate was found slow here.
  if (here != nullptr && entry.in_place && request.depth == 0 && here->may_run(entry.gate_job)) {
    auto start = calling_thread_unit::clock::now();
    if (entry.in_place->call_directly(request, on_reply)) {
      here->ran_here(entry.gate_job, start, calling_thread_unit::clock::now());
      return;
    }
    // Another thread runs the function now: a scheduler thread, not this
    // one, waits for it through the gate.
    here = nullptr;
  }
  // The values live in the mailbox element: one allocation, as a send makes.
  entry.gate->enqueue(caf::make_mailbox_element(nullptr, caf::make_message_id(), {}, call_atom::value,
                                          std::move(request), reply_callback{std::move(on_reply)}),
                here);
}

deadline_point node::deadline_after(std::chrono::nanoseconds timeout) {
  auto now = system_->clock().now();
  // Saturates: a timeout of years (or more than the clock holds) is "never".
  if (timeout > deadline_point::max() - now)
    return deadline_point::max();
  return now + timeout;
}

caf::actor node::route(const std::string& path) const {
  auto it = routes_.find(path);
  return it == routes_.end() ? caf::actor{} : it->second.gate;
}

std::optional<route_counts> node::counts(const std::string& path) {
  auto gate = route(path);
  if (!gate)
    return std::nullopt;
  std::optional<route_counts> result;
  caf::scoped_actor self{*system_};
  self->request(gate, std::chrono::seconds{5}, counts_atom::value, local_only{})
    .receive(
      [&](std::uint64_t admitted, std::uint64_t timed_out, std::uint64_t gone,
          std::uint64_t by_callers) {
        result = route_counts{admitted, timed_out, gone, by_callers};
      },
      [](caf::error&) {});
  return result;
}

void node::collect_metrics(std::function<void(std::string)> done,
                           std::chrono::milliseconds timeout) {
  if (!metrics_)
    return done(std::string{});
  auto own = metrics_->collect();
  if (!supervisor_)
    return done(metrics::render(own));
  auto shared_done = std::make_shared<std::function<void(std::string)>>(std::move(done));
  auto finish = [own = std::make_shared<metrics::snapshot>(std::move(own)),
                 shared_done](const json& workers) mutable {
    // Each worker's figures, labelled by worker, beside this process's.
    if (workers.is_object())
      for (auto& [index, figures] : workers.items()) {
        auto theirs = metrics::snapshot_from_json(figures);
        metrics::add_label(theirs, "worker", index);
        metrics::merge(*own, std::move(theirs));
      }
    (*shared_done)(metrics::render(*own));
  };
  // What the actor needs goes to spawn as arguments: CAF 0.17 dereferences
  // a null argument tuple for a function actor spawned without any (UBSan).
  system_->spawn(
    [](caf::event_based_actor* self, caf::actor supervisor, std::chrono::milliseconds timeout,
       decltype(finish) finish) {
      self->request(supervisor, timeout + std::chrono::seconds{1}, metrics_atom::value,
                    caf::timespan{timeout}, local_only{})
        .then([finish](reply& r) mutable { finish(r.ok() ? r.value() : json{}); },
              [finish](caf::error&) mutable { finish(json{}); });
    },
    supervisor_, timeout, std::move(finish));
}

void node::debug_calls(std::function<void(json)> done, std::chrono::milliseconds timeout) {
  gather_targets gates;
  std::vector<std::string> paths; // every route of this node
  std::vector<std::string> here;  // routes whose calls run in this process
  for (auto& [path, entry] : routes_) {
    gates.emplace_back(path, entry.gate);
    paths.push_back(path);
    if (!board_ || entry.composite)
      here.push_back(path);
  }
  // What the actor needs goes to spawn as arguments (see collect_metrics).
  system_->spawn(
    [](caf::event_based_actor* self, gather_targets gates, std::vector<std::string> paths,
       std::vector<std::string> here, caf::actor supervisor, std::shared_ptr<worker_board> board,
       std::chrono::milliseconds timeout, std::function<void(json)> done) {
      auto own_pid = static_cast<std::int64_t>(::getpid());
      auto workers = board ? board->snapshot() : std::vector<worker_status>{};
      auto pid_of = [workers](int index) -> json {
        for (auto& w : workers)
          if (w.index == index)
            return w.pid;
        return nullptr;
      };
      auto ask = [self, timeout](const std::string&, const caf::actor& gate) {
        return self->request(gate, timeout, debug_calls_atom::value, local_only{});
      };
      gather(
        gates,
        [=](json by_path) {
          json out{{"pid", own_pid}, {"routes", json::array()}};
          for (auto& [path, route] : by_path.items()) {
            bool local = std::find(here.begin(), here.end(), path) != here.end();
            for (auto& c : route["calls"]) {
              if (local)
                c["pid"] = own_pid;
              else if (c.contains("worker"))
                c["pid"] = pid_of(c["worker"].get<int>());
            }
            out["routes"].push_back(std::move(route));
          }
          if (!supervisor)
            return done(std::move(out));
          out["workers"] = json::array();
          for (auto& w : workers)
            out["workers"].push_back(to_json(w));
          auto finish = [out, done, paths](const json& by_worker) mutable {
            // Each worker's own routes, with their calls, in its place in the tree.
            for (auto& w : out["workers"]) {
              auto key = std::to_string(w["index"].get<int>());
              if (!by_worker.is_object() || !by_worker.contains(key))
                continue;
              w["routes"] = worker_calls(by_worker[key], paths, w["index"], w["pid"],
                                         route_gate::max_calls_listed);
            }
            done(std::move(out));
          };
          self
            ->request(supervisor, timeout + std::chrono::seconds{1}, debug_calls_atom::value,
                      caf::timespan{timeout}, local_only{})
            .then([finish](reply& r) mutable { finish(r.ok() ? r.value() : json{}); },
                  [finish](caf::error&) mutable { finish(json{}); });
        },
        ask);
    },
    std::move(gates), std::move(paths), std::move(here), supervisor_, board_, timeout,
    std::move(done));
}

const route_options* node::route_settings(const std::string& path) const {
  auto it = routes_.find(path);
  return it == routes_.end() ? nullptr : &it->second.options;
}

void node::join(const caf::actor& participant) {
  caf::anon_send(broadcast_, join_atom::value, participant, local_only{});
}

void node::shutdown() {
  caf::anon_send(broadcast_, shutdown_atom::value, local_only{});
}

void node::stop_now() {
  caf::anon_send(broadcast_, stop_atom::value, local_only{});
}

void node::wait() {
  std::call_once(waited_, [this] {
    caf::scoped_actor self{*system_};
    self->wait_for(broadcast_);
  });
}

} // namespace actorserve
