#include "actors/node.hpp"

#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>

#include <thread>

#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/openssl/remote_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "actors/atoms.hpp"
#include "actors/call_error.hpp"
#include "actors/error_type.hpp"
#include "actors/log.hpp"
#include "actors/openssl_error_queue.hpp"
#include "actors/message_types.hpp"
#include "actors/route_gate.hpp"
#include "actors/signal_watcher.hpp"
#include "actors/start_route.hpp"
#include "actors/supervisor.hpp"
#include "actors/worker_agent.hpp"
#include "actors/worker_pool.hpp"
#include "actors/worker_protocol.hpp"
#include "actors/worker_secret.hpp"

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
  auto& pool = options.pool;
  if (pool.join || pool.workers != 1 || pool.node_port_set) {
    cfg.load<caf::io::middleman>();
    if (pool.tls.enabled()) {
      if (!openssl_error_queue_guarded())
        throw std::logic_error("OpenSSL's error queue is not guarded");
      cfg.load<caf::openssl::manager>();
      cfg.openssl_certificate = pool.tls.certificate;
      cfg.openssl_key = pool.tls.key;
      cfg.openssl_cafile = pool.tls.ca_file;
      cfg.openssl_passphrase = pool.tls.passphrase;
    }
  }
  return cfg;
}

std::string this_host() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0)
    return "unknown";
  return name;
}

/// Where this node's own workers connect: the address the pool listens on,
/// or loopback when it listens on every address.
std::string invite_host(const std::string& host) {
  if (host.empty() || host == "0.0.0.0")
    return "127.0.0.1";
  if (host == "::")
    return "::1";
  return host;
}

std::string join_address(const std::string& host, std::uint16_t port) {
  auto h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

/// A CAF error's own text when it carries one (our pool's refusals do).
std::string reason_of(caf::actor_system& sys, const caf::error& err) {
  auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return sys.render(err);
}

} // namespace

node::node(const application& app, node_options options)
  : options_(std::move(options)) {
  if (options_.handle_signals)
    signals_ = std::make_unique<signal_watcher>([this](int n) { on_signal(n); });
  system_ = std::make_unique<caf::actor_system>(configure(config_, options_));
  supervisor_ = system_->spawn<supervisor>(options_.drain_timeout);
  try {
    auto& pool = options_.pool;
    if (!pool.join && !pool.worker_contexts.empty()
        && pool.worker_contexts.size() != pool.workers)
      throw std::invalid_argument("worker_contexts holds "
                                  + std::to_string(pool.worker_contexts.size()) + " values for "
                                  + std::to_string(pool.workers)
                                  + " worker(s); give one per worker, or none");
    if (pool.workers == 1 && !pool.worker_contexts.empty())
      options_.context.value = pool.worker_contexts[0];
    if (pool.join)
      join_supervisor(app);
    else if (pool.workers != 1 || pool.node_port_set)
      start_workers(app);
    else
      start_routes(app);
  } catch (...) {
    {
      std::lock_guard<std::mutex> guard{start_mutex_};
      abort_start_on_signal_ = false; // the supervisor goes away below
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

void node::start_routes(const application& app, const caf::node_id& supervisor) {
  for (auto& spec : app.routes()) {
    auto gate = start_route(*system_, spec, options_.context, supervisor);
    routes_.emplace(spec.path, gate);
    route_settings_.emplace(spec.path, spec.options);
    join(gate);
  }
}

void node::start_workers(const application& app) {
  auto& pool = options_.pool;
  if (pool.workers == 0 && !pool.node_port_set)
    throw std::invalid_argument("workers = 0 serves only workers that join from elsewhere; "
                                "give the node a port for them (node_port)");
  if (pool.secret.empty()) {
    if (pool.node_port_set)
      throw std::invalid_argument("workers that join from other hosts need the service's "
                                  "shared secret: give one (a secret file or ACTORSERVE_SECRET)");
    pool.secret = worker_secret::make();
  }
  worker_secret::check(pool.secret, "the supervisor's options");
  // The main node's gates: admission and deadlines here, dispatch to the
  // workers' gates, each of which applies the route's own limits.
  worker_pool_settings settings;
  for (auto& spec : app.routes()) {
    gate_settings gs;
    gs.path = spec.path;
    gs.options = spec.options;
    gs.remote = true;
    gs.options.blocking = false; // each worker's gate queues its blocking calls
    auto gate = system_->spawn<route_gate>(std::move(gs));
    routes_.emplace(spec.path, gate);
    route_settings_.emplace(spec.path, spec.options);
    join(gate);
    settings.gates.emplace_back(spec.path, gate);
  }
  board_ = std::make_shared<worker_board>();
  settings.options = pool;
  settings.options.join.reset();
  settings.board = board_;
  auto pool_actor = system_->spawn<worker_pool>(std::move(settings));
  join(pool_actor);
  auto port = pool.tls.enabled()
                ? caf::openssl::publish(pool_actor, pool.node_port, pool.node_host.c_str(), true)
                : system_->middleman().publish(pool_actor, pool.node_port,
                                               pool.node_host.c_str(), true);
  if (!port)
    throw std::runtime_error("cannot listen for workers on "
                             + join_address(pool.node_host, pool.node_port) + ": "
                             + system_->render(port.error()));
  node_endpoint_ = join_address(pool.node_host, *port);
  if (pool.node_port_set)
    log::info("workers may join at " + node_endpoint_
              + (pool.tls.enabled() ? " (TLS)" : ""));
  {
    std::lock_guard<std::mutex> guard{start_mutex_};
    abort_start_on_signal_ = true;
    if (early_signals_ > 0)
      throw std::runtime_error("stopped by a signal before the workers started");
  }
  caf::scoped_actor self{*system_};
  std::string failure;
  // The pool itself names a worker that is late; this is the backstop.
  self->request(pool_actor, pool.start_timeout + std::chrono::seconds{5}, start_atom::value,
                join_address(invite_host(pool.node_host), *port))
    .receive([&](std::string& why) { failure = std::move(why); },
             [&](caf::error& err) {
               failure = err == caf::sec::request_timeout
                           ? "the workers were not all ready within "
                               + std::to_string(pool.start_timeout.count()) + " ms"
                           : "the workers did not start: " + system_->render(err);
             });
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

void node::join_supervisor(const application& app) {
  auto& invitation = *options_.pool.join;
  worker_secret::check(invitation.secret, "the worker's options");
  auto where = join_address(invitation.host, invitation.port);
  auto tls = options_.pool.tls.enabled();
  // The supervisor may still be starting: try until the connect timeout.
  caf::actor pool;
  auto give_up = std::chrono::steady_clock::now() + invitation.connect_timeout;
  for (;;) {
    auto found = tls ? caf::openssl::remote_actor(*system_, invitation.host, invitation.port)
                     : system_->middleman().remote_actor(invitation.host, invitation.port);
    if (found) {
      pool = std::move(*found);
      break;
    }
    if (std::chrono::steady_clock::now() >= give_up)
      throw std::runtime_error("cannot reach the supervisor at " + where + ": "
                               + system_->render(found.error())
                               + (tls ? " (with TLS: do both nodes trust the CA that signed "
                                        "the other's certificate?)"
                                      : ""));
    {
      std::lock_guard<std::mutex> guard{start_mutex_};
      if (early_signals_ > 0)
        throw std::runtime_error("stopped by a signal while joining the supervisor at "
                                 + where);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{200});
  }
  caf::scoped_actor self{*system_};
  std::string failure;
  auto fail_with = [&](const char* step) {
    return [&, step](caf::error& err) {
      failure = "joining the supervisor at " + where + " failed (" + step
                + "): " + reason_of(*system_, err);
    };
  };
  auto check = [&] {
    if (!failure.empty())
      throw std::runtime_error(failure);
  };
  constexpr auto step_timeout = std::chrono::seconds{10};
  auto my_nonce = worker_secret::nonce();
  supervisor_challenge challenge;
  worker_greeting greeting{invitation.worker_index, ::getpid(), this_host(), my_nonce};
  self->request(pool, step_timeout, hello_atom::value, greeting)
    .receive([&](supervisor_challenge& c) { challenge = std::move(c); }, fail_with("hello"));
  check();
  if (!worker_secret::same(challenge.proof,
                           worker_secret::prove(invitation.secret, "actorserve-supervisor", my_nonce)))
    throw std::runtime_error("the supervisor at " + where
                             + " holds a different shared secret; not joining it");
  worker_assignment assignment;
  worker_proof proof{invitation.worker_index,
                     worker_secret::prove(invitation.secret, "actorserve-worker",
                                          challenge.nonce + ":"
                                            + std::to_string(invitation.worker_index))};
  self->request(pool, step_timeout, prove_atom::value, proof)
    .receive([&](worker_assignment& a) { assignment = std::move(a); }, fail_with("proof"));
  check();
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
    start_routes(app, pool.node());
  } catch (const std::exception& e) {
    // Told before this process exits, so the start fails with the reason.
    self->request(pool, step_timeout, start_failed_atom::value, index, std::string{e.what()})
      .receive([](bool) {}, [](caf::error&) {});
    throw;
  }
  auto agent = system_->spawn<worker_agent>(
    pool, supervisor_, index, std::chrono::milliseconds{assignment.heartbeat_interval_ms},
    std::chrono::milliseconds{assignment.heartbeat_timeout_ms});
  join(agent);
  worker_ready ready{index, ::getpid(), this_host(), agent, {}, {}};
  for (auto& [path, gate] : routes_) {
    ready.paths.push_back(path);
    ready.gates.push_back(gate);
  }
  self->send(pool, ready_atom::value, std::move(ready));
  log::info("joined the supervisor at " + where);
}

std::vector<worker_status> node::workers() const {
  return board_ ? board_->snapshot() : std::vector<worker_status>{};
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
      // Waiting for workers can take long: a signal ends the start.
      if (abort_start_on_signal_)
        caf::anon_send(supervisor_, stop_atom::value);
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
