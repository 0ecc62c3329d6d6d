#include "actors/workers/supervisor.hpp"

#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <unordered_map>

#include <caf/actor_cast.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>

#include "actors/json_wire.hpp"
#include "actors/log.hpp"
#include "actors/reply.hpp"
#include "actors/runtime/atoms.hpp"
#include "actors/private_file.hpp"
#include "actors/runtime/gather.hpp"
#include "actors/runtime/local_only.hpp"
#include "actors/workers/node_link.hpp"
#include "actors/workers/worker_secret.hpp"

namespace actorserve {

namespace {

/// How often the supervisor reaps exited processes and checks heartbeats
/// while anything starts, stops or was lost; once every worker is ready it
/// ticks once per heartbeat interval, so an idle service stays idle (a
/// link that closes brings the next tick forward).
constexpr auto tick_interval = std::chrono::milliseconds{100};

/// How long a worker that exited while starting has for its own account of
/// the failure (sent before it exits) to arrive before the exit is reported.
constexpr auto failure_grace = std::chrono::milliseconds{500};

/// How long a worker whose link closed has to be seen exiting before it is
/// treated as lost for the closed link alone (and killed).
constexpr auto link_grace = std::chrono::milliseconds{300};

/// How long the supervisor waits for stopped workers to exit before it kills its
/// own and stops waiting for joined ones.
constexpr auto stop_grace = std::chrono::seconds{10};

long long millis(std::chrono::nanoseconds d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

/// The most of a worker's own text (a route path, a reason) a log line or
/// a status carries: a worker that proved the secret is still a peer, and
/// a message from it may be megabytes long.
constexpr std::size_t max_peer_text = 1024;

/// The most routes of one ready report logged one by one as ignored.
constexpr std::size_t max_ignored_routes_logged = 8;

std::string peer_text(const std::string& text) {
  return text.size() <= max_peer_text ? text : text.substr(0, max_peer_text) + "...";
}

std::string worker_name(int index, std::int64_t pid) {
  auto name = "worker " + std::to_string(index);
  if (pid > 0)
    name += " (pid " + std::to_string(pid) + ")";
  return name;
}

/// The same, and for a worker that joined on its own, its host.
std::string worker_name(const worker_status& status, bool own) {
  auto name = worker_name(status.index, status.pid);
  return own ? name : name + " from " + status.host;
}

} // namespace

supervisor::supervisor(caf::actor_config& cfg, supervisor_settings settings)
  : caf::event_based_actor(cfg),
    settings_(std::move(settings)),
    gatekeeper_(settings_.options.secret) {
  auto& opts = settings_.options;
  for (std::size_t i = 0; i < opts.workers; ++i) {
    slot s;
    s.index = static_cast<int>(i);
    s.context = i < opts.worker_contexts.size() ? opts.worker_contexts[i] : json{};
    s.status.index = s.index;
    s.status.state = worker_state::starting;
    s.restarts = restart_schedule{opts.restarts};
    slots_.emplace(s.index, std::move(s));
  }
  set_default_handler(caf::drop); // what no handler takes: forged or stray
  set_down_handler([this](caf::down_msg& msg) {
    auto s = find_agent(msg.source);
    if (s == nullptr)
      return;
    s->agent = nullptr;
    if (stopping_) {
      // A joined worker has no process to reap: its agent ending (it
      // stopped, or its link broke: CAF's reason) is all that says it left.
      if (!s->own)
        log::info(worker_name(s->status, false) + " has left"
                  + (msg.reason ? " (" + peer_text(system().render(msg.reason)) + ")"
                                : std::string{}));
      check_stopped();
    }
    else if (s->process) // the gates have failed its calls already
      s->link_lost = clock().now();
    else
      lost(*s, "its connection closed");
    schedule_tick(tick_interval);
  });
}

caf::behavior supervisor::make_behavior() {
  schedule_tick(caf::timespan{0});
  return {
    [this](start_atom, local_only) -> caf::result<std::string> {
      if (stopping_)
        return std::string{"the service stopped before every worker was ready"};
      start_promise_ = make_response_promise();
      starting_ = true;
      schedule_tick(tick_interval);
      start_began_ = clock().now();
      for (auto& [index, s] : slots_) {
        start_process(s);
        if (!starting_)
          break;
      }
      check_started();
      return start_promise_;
    },
    [this](hello_atom, const worker_greeting& greeting) -> caf::result<supervisor_challenge> {
      return gatekeeper_.greet(sender_address(), greeting, clock().now());
    },
    [this](prove_atom, const worker_proof& proof) { return prove(proof); },
    // Only a worker that proved the secret may report on its own slot.
    [this](ready_atom, worker_ready& report) {
      if (proven(report.index, report.link_token) != nullptr)
        ready(report);
    },
    [this](start_failed_atom, std::int32_t index, const std::string& why,
           const std::string& token) {
      if (proven(index, token) != nullptr)
        start_failed(index, peer_text(why), 0);
      return true; // the worker waits for this before it exits
    },
    [this](start_failed_atom, std::int32_t index, const std::string& why,
           std::uint64_t generation, local_only) { start_failed(index, why, generation); },
    [this](pong_atom, std::int32_t index, const std::string& token) {
      if (auto s = proven(index, token); s != nullptr && s->agent)
        s->last_pong = clock().now();
    },
    [this](leave_atom, std::int32_t index, const std::string& token) {
      // The worker shuts down on its own: no new calls; those it has finish.
      if (auto s = proven(index, token);
          s != nullptr && s->status.state == worker_state::ready && s->agent) {
        log::info(worker_name(s->status, s->own) + " is leaving");
        schedule_tick(tick_interval);
        publish(*s, worker_state::leaving);
        for (auto& [path, gate] : settings_.gates)
          send(gate, retire_worker_atom::value, index, local_only{});
      }
    },
    [this](metrics_atom, caf::timespan timeout, local_only) {
      return ask_ready_workers(metrics_atom::value,
                               std::chrono::duration_cast<std::chrono::milliseconds>(timeout));
    },
    [this](debug_calls_atom, caf::timespan timeout, local_only) {
      return ask_ready_workers(debug_calls_atom::value,
                               std::chrono::duration_cast<std::chrono::milliseconds>(timeout));
    },
    [this](respawn_atom, std::int32_t index, std::uint64_t generation, local_only) {
      if (auto s = find(index); s != nullptr && s->generation == generation && !draining_) {
        start_process(*s);
        schedule_tick(tick_interval);
      }
    },
    [this](reap_atom, std::uint64_t number, local_only) {
      if (number != tick_number_)
        return; // replaced by an earlier one
      next_tick_ = time_point::max();
      tick();
      if (!stopping_ || !slots_.empty() || !dying_.empty())
        schedule_tick(settled() ? until_heartbeat_due() : caf::timespan{tick_interval});
    },
    [this](shutdown_atom, local_only) {
      draining_ = true;
      schedule_tick(tick_interval);
      // The main node's gates hold every call; the workers stop after them.
      send(caf::actor_cast<caf::actor>(current_sender()), drained_atom::value, local_only{});
    },
    [this](stop_atom, local_only) { begin_stop(); },
  };
}

void supervisor::on_exit() {
  slots_.clear(); // kills and reaps any process left
  dying_.clear();
  settings_.gates.clear();
  // CAF's broker files this actor for the adopted links; a handle back
  // would keep both alive for good.
  settings_.link_broker = nullptr;
}

supervisor::slot* supervisor::proven(int index, const std::string& token) {
  auto s = find(index);
  return s != nullptr && !s->link_token.empty() && same_secret(token, s->link_token) ? s
                                                                                   : nullptr;
}

supervisor::slot* supervisor::find(int index) {
  auto it = slots_.find(index);
  return it == slots_.end() ? nullptr : &it->second;
}

supervisor::slot* supervisor::find_agent(const caf::actor_addr& agent) {
  for (auto& [index, s] : slots_)
    if (s.agent && s.agent.address() == agent)
      return &s;
  return nullptr;
}

void supervisor::publish(slot& s, worker_state state) {
  s.status.state = state;
  if (settings_.board)
    settings_.board->update(s.status);
}

caf::actor_addr supervisor::sender_address() {
  auto sender = current_sender();
  return sender != nullptr ? sender->address() : caf::actor_addr{};
}

caf::result<worker_assignment> supervisor::prove(const worker_proof& proof) {
  auto proven = gatekeeper_.check(sender_address(), proof);
  if (!proven)
    return std::move(proven.error());
  auto& joining = *proven;
  if (draining_)
    return caf::make_error(caf::sec::runtime_error, "the service is shutting down");
  slot* s = nullptr;
  if (joining.index >= 0) {
    s = find(joining.index);
    if (s == nullptr || !s->own || s->status.state != worker_state::starting || !s->process
        || s->process->pid() != joining.pid)
      return caf::make_error(caf::sec::runtime_error,
                             "worker slot " + std::to_string(joining.index)
                               + " is not waiting for this process");
  } else {
    // At most max_workers join at once, each slot a peer makes us hold.
    auto joined_now = std::count_if(slots_.begin(), slots_.end(),
                                    [](const auto& entry) { return !entry.second.own; });
    if (static_cast<std::size_t>(joined_now) >= max_workers)
      return caf::make_error(caf::sec::runtime_error,
                             std::to_string(max_workers) + " workers have joined already");
    // A worker joining on its own takes the lowest index past the
    // supervisor's own that no slot holds: the indexes, and the entries of
    // the board (/healthz), stay as many as the workers that joined at once.
    auto index = static_cast<int>(settings_.options.workers);
    while (slots_.count(index) != 0)
      ++index;
    slot joined;
    joined.index = index;
    joined.own = false;
    joined.status.index = index;
    joined.started = clock().now();
    s = &slots_.emplace(index, std::move(joined)).first->second;
    publish(*s, worker_state::starting);
    schedule_tick(tick_interval); // its start timeout
  }
  s->status.pid = joining.pid;
  s->status.host = joining.host;
  s->link_token = worker_secret::make(); // what it sends from now on
  auto& opts = settings_.options;
  return worker_assignment{s->index, json_to_wire(s->context), opts.heartbeat_interval.count(),
                           opts.heartbeat_timeout.count(), s->link_token};
}

void supervisor::ready(worker_ready& report) {
  auto s = find(report.index);
  if (s == nullptr || s->status.state != worker_state::starting || !report.agent)
    return;
  // CAF makes a handle that carries this node's id this node's own actor:
  // a worker naming ours as its agent or gates would have the supervisor
  // ping and stop them, and a main gate send calls to itself.
  if (report.agent.node() == node()) {
    start_failed(s->index, "its ready report names an actor of the supervisor's process", 0);
    return;
  }
  // One process holds one worker: an agent in another worker's process
  // would take a share of that worker's calls, and its loss end the
  // supervisor's watch on the other.
  for (auto& [index, other] : slots_)
    if (&other != s && other.agent && other.agent.node() == report.agent.node()) {
      start_failed(s->index,
                   "its ready report names an actor of worker " + std::to_string(index)
                     + "'s process",
                   0);
      return;
    }
  if (stopping_ || draining_) {
    send(report.agent, stop_atom::value, s->link_token);
    return;
  }
  s->agent = report.agent;
  monitor(s->agent);
  s->last_pong = clock().now();
  // The pid and host stay those of the greeting, which were checked (the
  // host's length; an own worker's pid against its process): the report's
  // copies are the worker's word alone.

  // Each of this node's routes takes one gate from the worker, however often
  // its report names the route: more would give it a larger share of the
  // calls, and the route a capacity it does not have.
  std::set<std::string> added;
  std::size_t ignored = 0;
  for (std::size_t i = 0; i < report.paths.size() && i < report.gates.size(); ++i) {
    auto& path = report.paths[i];
    auto target = std::find_if(settings_.gates.begin(), settings_.gates.end(),
                               [&](const auto& g) { return g.first == path; });
    auto elsewhere = !report.gates[i] || report.gates[i].node() != report.agent.node();
    if (target == settings_.gates.end() || added.count(path) != 0 || elsewhere) {
      if (++ignored <= max_ignored_routes_logged)
        log::warning(worker_name(s->index, s->status.pid) + " serves route " + peer_text(path)
                     + (target == settings_.gates.end() ? ", which this node does not route"
                        : elsewhere                     ? " with a gate outside its process"
                                                        : " again")
                     + "; ignored");
      continue;
    }
    added.insert(path);
    send(target->second, add_instance_atom::value, static_cast<std::int32_t>(s->index),
         report.gates[i], local_only{});
  }
  if (ignored > max_ignored_routes_logged)
    log::warning(worker_name(s->index, s->status.pid) + " named "
                 + std::to_string(ignored - max_ignored_routes_logged)
                 + " more routes that were ignored");
  publish(*s, worker_state::ready);
  log::info(worker_name(s->status, s->own) + " is ready");
  check_started();
}

void supervisor::start_failed(int index, const std::string& why, std::uint64_t generation) {
  auto s = find(index);
  if (s == nullptr || s->status.state != worker_state::starting
      || (generation != 0 && generation != s->generation))
    return;
  auto text = worker_name(index, s->status.pid) + " failed to start: " + why;
  if (starting_ && s->own) {
    fail_start(text);
    return;
  }
  log::error(text);
  s->status.last_error = why;
  if (!s->own) {
    publish(*s, worker_state::left);
    slots_.erase(index);
    return;
  }
  if (s->process) {
    s->process->signal(SIGKILL);
    dying_.push_back(std::move(s->process));
  }
  schedule_restart(*s);
}

void supervisor::start_process(slot& s) {
  ++s.generation;
  s.started = clock().now();
  s.status.pid = 0;
  auto& opts = settings_.options;
  try {
    // The worker's link: a socket pair only this process and the worker
    // hold, so the supervisor's own workers need no port at all.
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
      throw std::runtime_error("cannot make a link for a worker: "
                               + std::string{std::strerror(errno)});
    owned_fd mine{pair[0]};
    owned_fd theirs{pair[1]};
    s.process = std::make_unique<worker_process>(
      std::vector<std::pair<std::string, std::string>>{
        {"ACTORSERVE_LINK_FD", std::to_string(worker_process::link_descriptor)},
        {"ACTORSERVE_SECRET", opts.secret},
        {"ACTORSERVE_WORKER_INDEX", std::to_string(s.index)}},
      theirs.get());
    s.status.pid = s.process->pid();
    adopt_link_as_supervisor(system(), settings_.link_broker, std::move(mine),
                             caf::actor_cast<caf::actor>(this));
  } catch (const std::exception& e) {
    publish(s, worker_state::starting);
    start_failed(s.index, e.what(), s.generation);
    return;
  }
  publish(s, worker_state::starting);
}

void supervisor::lost(slot& s, const std::string& why) {
  s.link_lost.reset();
  schedule_tick(tick_interval);
  if (s.status.state != worker_state::ready && s.status.state != worker_state::starting
      && s.status.state != worker_state::leaving)
    return;
  auto was = s.status.state;
  auto name = worker_name(s.index, s.status.pid);
  for (auto& [path, gate] : settings_.gates)
    send(gate, lost_worker_atom::value, static_cast<std::int32_t>(s.index), name + ": " + why,
         local_only{});
  if (s.agent) {
    // A frozen worker that wakes up must leave, not serve on.
    send(s.agent, evict_atom::value, why, s.link_token);
    demonitor(s.agent);
    s.agent = nullptr;
  }
  s.link_token.clear(); // nothing more from that worker counts
  if (s.process) {
    s.process->signal(SIGKILL);
    dying_.push_back(std::move(s.process));
  }
  s.status.last_error = why;
  if (was == worker_state::starting && starting_ && s.own) {
    fail_start(name + " failed to start: " + why);
    return;
  }
  if (stopping_ || draining_) {
    log::warning(worker_name(s.status, s.own) + " ended during the shutdown: " + why);
    publish(s, worker_state::stopped);
    return;
  }
  if (!s.own) {
    // One that said it was leaving has left, as it said: no warning.
    if (was == worker_state::leaving)
      log::info(worker_name(s.status, false) + " has left (" + why + ")");
    else
      log::warning(worker_name(s.status, false) + " was lost: " + why);
    publish(s, worker_state::left);
    slots_.erase(s.index);
    return;
  }
  log::warning(name + " was lost: " + why);
  schedule_restart(s);
}

void supervisor::schedule_restart(slot& s) {
  auto backoff = s.restarts.next(clock().now());
  if (!backoff) {
    log::error("worker " + std::to_string(s.index) + " was restarted "
               + std::to_string(s.restarts.recent())
               + " times within a minute; it is marked failed and not restarted again");
    ++s.generation;
    publish(s, worker_state::failed);
    return;
  }
  ++s.status.restarts;
  publish(s, worker_state::restarting);
  log::info("restarting worker " + std::to_string(s.index) + " in "
            + std::to_string(backoff->count()) + " ms");
  delayed_send(this, *backoff, respawn_atom::value, static_cast<std::int32_t>(s.index),
               ++s.generation, local_only{});
}

void supervisor::schedule_tick(caf::timespan delay) {
  auto when = clock().now() + delay;
  if (when >= next_tick_)
    return;
  next_tick_ = when;
  delayed_send(this, delay, reap_atom::value, ++tick_number_, local_only{});
}

caf::timespan supervisor::until_heartbeat_due() const {
  // The next ping, or the moment a worker that has not answered since
  // would be past its heartbeat timeout, whichever comes first.
  auto due = next_ping_;
  for (auto& [index, s] : slots_)
    due = std::min(due, s.last_pong + settings_.options.heartbeat_timeout
                          + std::chrono::milliseconds{1});
  auto now = clock().now();
  return due > now ? caf::timespan{due - now} : caf::timespan{0};
}

bool supervisor::settled() const {
  if (starting_ || draining_ || stopping_ || !dying_.empty())
    return false;
  for (auto& [index, s] : slots_)
    if (s.status.state != worker_state::ready || !s.agent || s.link_lost)
      return false;
  return true;
}

void supervisor::tick() {
  auto now = clock().now();
  dying_.erase(std::remove_if(dying_.begin(), dying_.end(),
                              [](auto& p) { return p->poll_exit().has_value(); }),
               dying_.end());
  auto& opts = settings_.options;
  bool ping = now >= next_ping_;
  if (ping)
    next_ping_ = now + opts.heartbeat_interval;
  std::vector<int> indexes;
  for (auto& [index, s] : slots_)
    indexes.push_back(index);
  for (auto index : indexes) {
    auto s = find(index);
    if (s == nullptr)
      continue;
    if (s->process) {
      if (auto how = s->process->poll_exit()) {
        s->process.reset();
        s->link_lost.reset();
        if (stopping_)
          continue;
        if (s->status.state == worker_state::starting) {
          // Its own account of the failure may still be on its way.
          delayed_send(this, failure_grace, start_failed_atom::value,
                       static_cast<std::int32_t>(index), "the process " + *how,
                       s->generation, local_only{});
          continue;
        }
        lost(*s, "its process " + *how);
        continue;
      }
    }
    if (stopping_)
      continue;
    if (s->link_lost && now - *s->link_lost > link_grace) {
      s->link_lost.reset();
      lost(*s, "its connection closed");
      continue;
    }
    if (s->status.state == worker_state::starting && (s->process || !s->own) && !starting_
        && now - s->started > opts.start_timeout) {
      lost(*s, "was not ready within " + std::to_string(millis(opts.start_timeout)) + " ms");
      continue;
    }
    auto state = s->status.state;
    if ((state == worker_state::ready || state == worker_state::leaving) && s->agent) {
      if (now - s->last_pong > opts.heartbeat_timeout) {
        lost(*s, "did not answer heartbeats for " + std::to_string(millis(now - s->last_pong))
                   + " ms");
        continue;
      }
      if (ping)
        send(s->agent, ping_atom::value, s->link_token);
    }
  }
  if (starting_ && now - start_began_ > opts.start_timeout) {
    for (auto& [index, s] : slots_)
      if (s.own && s.status.state != worker_state::ready) {
        fail_start(worker_name(index, s.status.pid) + " was not ready within "
                   + std::to_string(millis(opts.start_timeout)) + " ms");
        break;
      }
  }
  if (stopping_) {
    if (now >= stop_deadline_) {
      for (auto& [index, s] : slots_) {
        if (s.process) {
          log::warning(worker_name(index, s.status.pid) + " did not stop in time; killing it");
          s.process->signal(SIGKILL);
        } else if (s.agent) {
          // A joined worker (frozen, or cut off): it leaves by itself once
          // its supervisor is silent.
          log::warning(worker_name(s.status, false)
                       + " did not stop in time; no longer waiting for it");
          demonitor(s.agent);
          s.agent = nullptr;
        }
      }
      stop_deadline_ = time_point::max();
    }
    check_stopped();
  }
}

void supervisor::check_started() {
  if (!starting_)
    return;
  for (auto& [index, s] : slots_)
    if (s.own && s.status.state != worker_state::ready)
      return;
  starting_ = false;
  start_promise_.deliver(std::string{});
}

void supervisor::fail_start(const std::string& why) {
  starting_ = false; // the node's start throws `why`; its caller logs it
  for (auto& [index, s] : slots_)
    if (s.process) {
      s.process->signal(SIGKILL);
      dying_.push_back(std::move(s.process));
    }
  start_promise_.deliver(why);
}

void supervisor::begin_stop() {
  if (stopping_)
    return;
  stopping_ = true;
  draining_ = true;
  schedule_tick(tick_interval);
  if (starting_)
    fail_start("the service stopped before every worker was ready");
  // The main node's gates have answered every call by now (after the drain,
  // because the workers did; after a forced stop, with ShuttingDown): the
  // workers have nothing left to finish for anyone, so they stop at once.
  for (auto& [index, s] : slots_) {
    if (s.agent) {
      send(s.agent, stop_atom::value, s.link_token);
    } else if (s.process) {
      s.process->signal(SIGTERM);
    }
  }
  stop_deadline_ = clock().now() + stop_grace;
  check_stopped();
}

void supervisor::check_stopped() {
  if (!stopping_)
    return;
  for (auto& [index, s] : slots_)
    if (s.process || (s.agent && !s.own))
      return;
  if (!dying_.empty())
    return;
  for (auto& [index, s] : slots_)
    publish(s, worker_state::stopped);
  quit();
}

std::string start_own_workers(caf::actor_system& sys, const caf::actor& supervisor,
                              std::chrono::milliseconds start_timeout) {
  caf::scoped_actor self{sys};
  std::string failure;
  // The supervisor itself names a worker that is late; this is the backstop.
  self->request(supervisor, start_timeout + std::chrono::seconds{5}, start_atom::value,
                local_only{})
    .receive([&](std::string& why) { failure = std::move(why); },
             [&](caf::error& err) {
               failure = err == caf::sec::request_timeout
                           ? "the workers were not all ready within "
                               + std::to_string(start_timeout.count()) + " ms"
                           : "the workers did not start: " + sys.render(err);
             });
  return failure;
}

template <class Atom>
caf::response_promise supervisor::ask_ready_workers(Atom question,
                                                    std::chrono::milliseconds timeout) {
  // Every ready worker is asked at once, with its own link token; the
  // answer goes when the last one answered or gave up.
  auto promise = make_response_promise();
  gather_targets agents;
  std::unordered_map<std::string, std::string> tokens;
  for (auto& [index, s] : slots_) {
    if (s.status.state != worker_state::ready || !s.agent)
      continue;
    auto key = std::to_string(index);
    agents.emplace_back(key, s.agent);
    tokens.emplace(key, s.link_token);
  }
  gather(
    agents, [promise](json answers) mutable { promise.deliver(reply{std::move(answers)}); },
    [this, timeout, question, tokens = std::move(tokens)](const std::string& key,
                                                          const caf::actor& agent) {
      return request(agent, timeout, question, tokens.at(key));
    });
  return promise;
}

} // namespace actorserve
