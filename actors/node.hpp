#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "actors/application.hpp"
#include "actors/call.hpp"
#include "actors/json_depth.hpp"
#include "actors/metrics.hpp"
#include "actors/reply.hpp"
#include "actors/worker_context.hpp"
#include "actors/worker_options.hpp"
#include "actors/worker_status.hpp"

namespace actorserve {

class in_place_route;
class link_listener;
class route_directory;
class signal_watcher;
class worker_board;

struct node_options {
  /// What every route instance of this node is constructed with.
  worker_context context;
  /// How long the shutdown broadcast waits for admitted calls to finish.
  std::chrono::milliseconds drain_timeout{std::chrono::seconds{30}};
  /// Turn SIGINT and SIGTERM into the shutdown broadcast (a second signal
  /// stops at once). The node must then be built before other threads start.
  bool handle_signals = true;
  /// Scheduler threads; 0 means one per core.
  std::size_t scheduler_threads = 0;
  /// The deepest nesting of arrays and objects a value from another node
  /// may have (it is refused as damaged past it). Process-wide: the last
  /// node built sets it. Keep it at least the gateways' own limits.
  std::size_t max_depth = default_max_depth;
  /// How deep routes may call routes (a route's call is one level below the
  /// call it answers): past it a call is refused with CallDepthExceeded, so
  /// that a route calling itself cannot loop forever.
  std::uint32_t max_call_depth = 32;
  /// A gateway's own thread runs the routes it calls
  /// (node::run_on::calling_thread) unless an actor's runs there take longer
  /// than this: after two such runs it runs on the scheduler threads for a
  /// second, twice as long each time it is found slow again
  /// (runtime/calling_thread_unit.hpp). Zero: gateways, and node::call,
  /// hand every call to the scheduler threads, as they do when routes run
  /// in worker processes.
  std::chrono::microseconds gateway_run_limit{200};
  /// Worker processes, joining, TLS (docs/workers.md). The default runs
  /// every route in this process.
  worker_options pool;
  /// Count calls, gateways and workers for `node::collect_metrics` (GET
  /// /metrics; docs/operations.md). Off, the gates count nothing.
  bool metrics = true;
};

/// What a route's gate in this process has counted since it started.
struct route_counts {
  /// Calls it took on (past the capacity, deadline, depth and shutdown
  /// checks), with those that their callers' threads ran themselves.
  std::uint64_t admitted = 0;
  /// Calls whose deadline passed while they waited for an instance or a
  /// batch: answered Timeout, never run.
  std::uint64_t timed_out_waiting = 0;
  /// Calls dropped before they ran because their caller gave up (the
  /// client left, or the parent call timed out or was dropped).
  std::uint64_t dropped_caller_gone = 0;
  /// Of `admitted`, the calls their caller's thread ran itself, without
  /// the message to the gate (a plain function that answers at once:
  /// runtime/in_place_route.hpp): a gateway's own thread, or the thread
  /// waiting in `node::call`.
  std::uint64_t admitted_by_calling_threads = 0;
};

/// One process's share of a service: it owns the actor system, starts the
/// application's routes, runs the shutdown broadcast, and lets code that is
/// not an actor call routes.
///
/// With `options.pool.workers` N != 1 the routes run in worker processes
/// that this node starts and supervises; its route gates dispatch to them.
/// With `options.pool.join` set this node is such a worker: it joins the
/// supervisor, serves its routes there, and has no gateways of its own.
class node {
public:
  /// Starts every route (or every worker, or joins the supervisor). Throws
  /// std::runtime_error naming the route (or the worker) that failed to
  /// start, std::invalid_argument for options that do not fit together
  /// (worker_options::check).
  explicit node(const application& app, node_options options);
  /// The same, with the default options, made in the library's own code: a
  /// default-made node_options in the caller's code makes g++ 12 warn
  /// (-Wmaybe-uninitialized, wrongly) about the JSON value it holds.
  explicit node(const application& app);

  /// Runs the shutdown broadcast if nobody did, and waits for it.
  ~node();

  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// Calls a route and waits for its value; throws call_error (NotFound,
  /// Timeout, BacklogFull, ShuttingDown, or the route's own error). A plain
  /// function that answers at once runs on this thread, as a gateway's
  /// thread runs it (runtime/in_place_route.hpp; not with workers or with
  /// node_options::gateway_run_limit 0): the caller waits for it either
  /// way, and two thread hand-overs are saved. Not when another thread runs
  /// it at that moment, or this thread is running a plain function in place
  /// itself: then through the gate, as call_async. So it may run before
  /// calls this thread made with call_async that still wait in the gate:
  /// wait for their futures first where the order matters.
  json call(const std::string& path, json input = nullptr,
            std::chrono::milliseconds timeout = std::chrono::seconds{60});

  /// Calls a route; the future holds the value or the call_error.
  std::future<json> call_async(const std::string& path, json input = nullptr,
                               std::chrono::milliseconds timeout
                               = std::chrono::seconds{60});

  /// Which thread runs the actors a call wakes (the route's gate, its
  /// instances).
  enum class run_on {
    /// CAF's scheduler threads; for any caller.
    scheduler,
    /// This thread, right away, for a non-blocking route: for a gateway's
    /// own thread, never one of CAF's (runtime/calling_thread_unit.hpp). A
    /// plain function that answers at once runs here without its gate's
    /// message (runtime/in_place_route.hpp). Neither happens with workers
    /// or with node_options::gateway_run_limit 0: then as `scheduler`.
    calling_thread,
  };

  /// Calls a route; `on_reply` runs once, on an actor's thread (with
  /// run_on::calling_thread, often this one, before this returns): keep it
  /// short, and hold no lock it takes. `request.deadline` must be set (see
  /// `deadline_after`).
  void call_async(actorserve::call request, std::function<void(reply)> on_reply,
                  run_on where = run_on::scheduler);

  /// The deadline `timeout` from now, on the runtime's clock.
  deadline_point deadline_after(std::chrono::nanoseconds timeout);

  /// The gate of the route at `path` (for actors of this process: request it
  /// with `(call_atom, call)`), or an invalid handle.
  caf::actor route(const std::string& path) const;

  /// What the gate of the route at `path` has counted, with the calls
  /// their callers' threads ran themselves, or nothing for a path this node does
  /// not serve. With workers, the main process's gate:
  /// calls that wait in a worker are counted there. It asks the gate and
  /// waits (up to 5 s) for the answer: never call it from an actor.
  std::optional<route_counts> counts(const std::string& path);

  /// Where this process counts what it does (gateways add their series);
  /// null with node_options::metrics off.
  metrics::registry* metrics() noexcept {
    return metrics_.get();
  }

  /// The service's metrics in the Prometheus text format: this process's
  /// and, with workers, every ready worker's, labelled worker="N" (a worker
  /// that does not answer within `timeout` is left out). `done` runs once,
  /// perhaps on another thread; empty text with metrics off.
  void collect_metrics(std::function<void(std::string)> done,
                       std::chrono::milliseconds timeout = std::chrono::seconds{2});

  /// The calls in flight (GET /debug/calls; docs/operations.md): this
  /// process's routes with their capacity, calls in flight and waiting, the
  /// oldest call's age and the calls themselves (id, parent, request id,
  /// age, time left, where it runs), and with workers the worker tree with
  /// each worker's own routes. A worker that does not answer within
  /// `timeout` is listed without its routes. `done` runs once, perhaps on
  /// another thread.
  void debug_calls(std::function<void(json)> done,
                   std::chrono::milliseconds timeout = std::chrono::seconds{2});

  /// The options the route at `path` was added with, or nullptr.
  const route_options* route_settings(const std::string& path) const;

  /// Lets a gateway take part in the shutdown broadcast (see gateway.hpp).
  void join(const caf::actor& participant);

  /// Starts the shutdown broadcast and returns at once.
  void shutdown();

  /// Skips the drain: stops everything now; what is in flight is answered
  /// ShuttingDown.
  void stop_now();

  /// Blocks until the broadcast has run and every participant stopped.
  void wait();

  caf::actor_system& system() noexcept {
    return *system_;
  }

  const worker_context& context() const noexcept {
    return options_.context;
  }

  /// This node joined a supervisor as a worker.
  bool is_worker() const noexcept {
    return options_.pool.join.has_value();
  }

  /// Routes run in worker processes that this node supervises.
  bool has_workers() const noexcept {
    return board_ != nullptr;
  }

  /// The worker slots this node supervises (empty when routes run here).
  std::vector<worker_status> workers() const;

  /// Where workers join this node ("host:port"), or "" when only the
  /// workers it starts itself can (they need no port).
  const std::string& node_endpoint() const noexcept {
    return node_endpoint_;
  }

private:
  /// A route as this node serves it: its gate, and the options it was
  /// added with.
  struct route_entry {
    caf::actor gate;
    route_options options;
    bool composite = false; // runs in every process, never in a worker only
    /// A plain function a caller's thread may run itself (a gateway's, or
    /// one in node::call), or nullptr.
    std::shared_ptr<in_place_route> in_place;
    /// The gate as the gateway threads' units know it: a gate they found
    /// slow, they leave to the scheduler threads, and so its function.
    caf::resumable* gate_job = nullptr;
  };

  void on_signal(int count);
  /// A future the answer to `request` fills (the value, or a call_error).
  std::future<json> answer_later(actorserve::call request);
  void add_route(const route_spec& spec, caf::actor gate,
                 std::shared_ptr<in_place_route> in_place = nullptr);
  void start_routes(const application& app, const caf::node_id& supervisor = {});
  void start_workers(const application& app);
  void join_as_worker(const application& app);
  bool stopped_by_signal();

  node_options options_;
  /// Who this node's gateway threads' units are for
  /// (calling_thread_unit::new_owner).
  std::uint64_t gateway_unit_owner_;
  std::unique_ptr<signal_watcher> signals_;
  caf::actor_system_config config_;
  std::unique_ptr<caf::actor_system> system_;
  std::unique_ptr<link_listener> listener_; // the worker port, without TLS
  caf::actor broadcast_; // the shutdown broadcast
  std::unordered_map<std::string, route_entry> routes_;
  std::shared_ptr<route_directory> directory_; // what routes call
  std::shared_ptr<metrics::registry> metrics_;

  std::shared_ptr<worker_board> board_;
  caf::actor supervisor_; // with workers
  std::string node_endpoint_;
  std::mutex start_mutex_; // a signal during the start waits for its end
  bool started_ = false;
  bool abort_start_on_signal_ = false; // a start waiting for workers
  int early_signals_ = 0;
  std::once_flag waited_;
};

} // namespace actorserve
