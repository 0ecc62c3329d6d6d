#include "actors/runtime/route_gate.hpp"

#include <algorithm>

#include <caf/actor_cast.hpp>
#include <caf/sec.hpp>

#include "actors/cancel_token.hpp"
#include "actors/deferred_reply.hpp"
#include "actors/runtime/admission.hpp"
#include "actors/runtime/answer_log.hpp"
#include "actors/runtime/atoms.hpp"
#include "actors/runtime/calling_thread_unit.hpp"
#include "actors/runtime/child_call.hpp"
#include "actors/runtime/local_only.hpp"
#include "actors/error_type.hpp"
#include "actors/log.hpp"
#include "actors/runtime/sender_trust.hpp"

namespace actorserve {

namespace {

/// Rounded to the nearest millisecond: a 1 s budget measured from a moment
/// after the deadline was set reads 1000, not 999.
long long millis(std::chrono::nanoseconds d) {
  return std::chrono::round<std::chrono::milliseconds>(d).count();
}

} // namespace

route_gate::route_gate(caf::actor_config& cfg, gate_settings settings)
  : caf::event_based_actor(cfg), settings_(std::move(settings)) {
  for (auto& handle : settings_.instances)
    add_instance(std::move(handle));
  settings_.instances.clear();
  publish_capacity();
  set_down_handler([this](caf::down_msg& msg) {
    gather_scope scope{*this};
    instance_down(msg);
  });
  set_default_handler(caf::drop); // what no handler takes: forged or stray
}

caf::behavior route_gate::make_behavior() {
  return {
    [this](call_atom, call& request) -> caf::result<reply> {
      if (!sent_from_this_node(*this))
        return caf::make_error(caf::sec::runtime_error,
                               "route " + settings_.path
                                 + " takes single calls only from its own process");
      auto promise = make_response_promise();
      gather_scope scope{*this};
      admit(std::move(request), promise, reply_callback{}, batch_origin{});
      return promise;
    },
    [this](call_atom, call& request, reply_callback& cb) {
      gather_scope scope{*this};
      admit(std::move(request), caf::response_promise{}, std::move(cb), batch_origin{});
    },
    // A worker's gate: calls from its supervisor's gate, answered in batches.
    [this](call_batch_atom, call_batch& batch) {
      if (!may_call())
        return;
      auto& sender = current_sender();
      gather_scope scope{*this};
      for (auto& c : batch.items)
        admit(std::move(c.request), caf::response_promise{}, reply_callback{},
              batch_origin{c.ticket, sender, batch.key});
    },
    // A supervisor's gate: what its workers' gates answered.
    [this](reply_batch_atom, reply_batch& batch) {
      gather_scope scope{*this};
      take_replies(batch);
    },
    [this](flush_atom, local_only) {
      flush_pending_ = false;
      send_gathered();
    },
    // A function run in place answered later (it called routes).
    [this](deferred_atom, std::uint64_t call_id, reply& r, local_only) {
      gather_scope scope{*this};
      finish(call_id, 0, std::move(r));
    },
    [this](cancel_atom, std::uint64_t call_id, local_only) {
      gather_scope scope{*this};
      on_cancel(call_id);
    },
    // From the supervisor's gate: the call it sent here was given up.
    [this](cancel_atom, std::uint64_t ticket) {
      if (sent_from_this_node(*this) || !may_call())
        return;
      auto it = by_ticket_.find(ticket);
      if (it == by_ticket_.end())
        return;
      if (auto pit = pending_.find(it->second); pit != pending_.end())
        pit->second.request.cancel->cancel();
    },
    [this](counts_atom, local_only) {
      // With what callers' threads ran themselves, each read once.
      std::uint64_t by_callers = 0;
      std::uint64_t gone_from_callers = 0;
      if (settings_.in_place) {
        by_callers = settings_.in_place->admitted();
        gone_from_callers = settings_.in_place->dropped_gone();
      }
      return caf::make_message(admitted_ + by_callers, timed_out_waiting_,
                               dropped_gone_ + gone_from_callers, by_callers);
    },
    [this](debug_calls_atom, local_only) { return reply{calls_in_flight()}; },
    [this](batch_done_atom, std::uint64_t batch_id, reply& r, local_only) {
      gather_scope scope{*this};
      finish_batch(batch_id, 0, std::move(r));
    },
    [this](batch_atom, deadline_point due) {
      gather_scope scope{*this};
      if (due == batch_due_)
        batch_due_ = deadline_point::max();
      run_batches();
    },
    [this](tick_atom, deadline_point when) {
      gather_scope scope{*this};
      if (when == next_tick_)
        next_tick_ = deadline_point::max();
      sweep();
    },
    [this](shutdown_atom, local_only) {
      draining_ = true;
      if (settings_.in_place)
        settings_.in_place->begin_drain(); // callers' threads refuse new calls too
      drain_listener_ = caf::actor_cast<caf::actor>(current_sender());
      check_drained();
    },
    [this](stop_atom, local_only) { stop(); },
    [this](replace_instance_atom, local_only) {
      gather_scope scope{*this};
      start_replacement();
    },
    // From the worker supervisor of this node only.
    [this](add_instance_atom, std::int32_t worker, caf::actor& gate, local_only) {
      if (!settings_.remote)
        return;
      gather_scope scope{*this};
      add_instance(std::move(gate), worker);
      dispatch_waiting();
    },
    [this](lost_worker_atom, std::int32_t worker, const std::string& why, local_only) {
      auto failure = lost_reply(why);
      remove_worker(worker, failure);
      check_drained();
    },
    [this](retire_worker_atom, std::int32_t worker, local_only) {
      // No new calls for it; those it has still run, and fail if it dies.
      for (auto& inst : instances_)
        if (inst.worker == worker)
          inst.retired = true;
      publish_capacity();
    },
  };
}

void route_gate::on_exit() {
  // However the gate ends (stopped, or a handler threw), callers' threads
  // refuse its route's calls from now on, as its mailbox would.
  if (settings_.in_place)
    settings_.in_place->begin_drain();
  settings_.directory = nullptr; // it holds this gate
  instances_.clear();
  pending_.clear();
  replies_out_.clear();
  drain_listener_ = nullptr;
}

void route_gate::add_instance(caf::actor handle, int worker) {
  monitor(handle);
  instance added;
  added.handle = std::move(handle);
  added.id = next_instance_id_++;
  added.worker = worker;
  if (settings_.remote)
    added.key = batch_key::random();
  instances_.push_back(std::move(added));
  publish_capacity();
}

bool route_gate::may_call() {
  auto& sender = current_sender();
  return sent_from_this_node(*this)
         || (sender != nullptr && settings_.caller_node
             && sender->node() == settings_.caller_node);
}

void route_gate::remove_worker(int worker, const reply& failure) {
  for (auto it = instances_.begin(); it != instances_.end();) {
    if (it->worker != worker) {
      ++it;
      continue;
    }
    demonitor(it->handle);
    auto id = it->id;
    it = instances_.erase(it);
    fail_calls_of(id, failure);
  }
  publish_capacity();
}

json route_gate::calls_in_flight() const {
  using seconds = std::chrono::duration<double>;
  auto now = clock().now();
  // Oldest first, and no more than max_calls_listed: the answer stays small
  // however many calls a route holds.
  std::vector<const std::pair<const std::uint64_t, pending_call>*> order;
  order.reserve(pending_.size());
  for (auto& entry : pending_)
    order.push_back(&entry);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) {
    return a->second.admitted < b->second.admitted;
  });
  json calls = json::array();
  for (auto* entry : order) {
    if (calls.size() == max_calls_listed)
      break;
    auto& [id, p] = *entry;
    json c{{"id", id},
           {"route", settings_.path},
           {"parent", p.request.parent},
           {"depth", p.request.depth},
           {"request_id", p.request.request_id},
           {"state", p.dispatched ? "running" : "waiting"},
           {"age_seconds", seconds(now - p.admitted).count()},
           {"deadline_in_seconds", seconds(p.request.deadline - now).count()}};
    if (p.answered)
      c["answered"] = true; // timed out, and still holding its place
    if (p.batch != 0)
      c["batch"] = p.batch;
    if (p.dispatched && settings_.remote)
      for (auto& i : instances_)
        if (i.id == p.instance_id)
          c["worker"] = i.worker;
    calls.push_back(std::move(c));
  }
  json out{{"route", settings_.path},
           {"capacity", capacity()},
           {"in_flight", pending_.size()},
           {"waiting", waiting_count_},
           {"oldest_age_seconds", nullptr},
           {"calls", std::move(calls)},
           {"calls_not_listed", pending_.size() - std::min(pending_.size(), max_calls_listed)}};
  if (!order.empty())
    out["oldest_age_seconds"] = seconds(now - order.front()->second.admitted).count();
  return out;
}

std::size_t route_gate::capacity() const {
  auto per_instance = settings_.options.capacity;
  if (!settings_.remote)
    return per_instance;
  auto serving = std::count_if(instances_.begin(), instances_.end(),
                               [](const instance& i) { return !i.retired; });
  return per_instance * std::max<std::size_t>(1, static_cast<std::size_t>(serving));
}

reply route_gate::lost_reply(const std::string& why) const {
  return reply::failure(error_type::worker_lost,
                        "the worker running route " + settings_.path
                          + " was lost before it answered: " + why);
}

void route_gate::fail_calls_of(std::uint64_t instance_id, const reply& failure) {
  std::vector<std::uint64_t> lost;
  for (auto& [id, p] : pending_)
    if (p.dispatched && p.instance_id == instance_id)
      lost.push_back(id);
  for (auto id : lost) {
    auto pit = pending_.find(id);
    answer(pit->second, failure);
    forget(pit);
  }
}

void route_gate::admit(call&& request, caf::response_promise promise,
                       reply_callback callback, batch_origin origin) {
  pending_call p;
  p.request = std::move(request);
  p.promise = std::move(promise);
  p.callback = std::move(callback);
  p.admitted = clock().now();
  p.ticket = origin.ticket;
  p.reply_to = std::move(origin.reply_to);
  p.key = origin.key;
  auto& path = settings_.path;
  // While draining, the calls that admitted calls make (a composition's
  // members, a route's calls) are still taken: the drain finishes them.
  if (draining_ && p.request.depth == 0) {
    drop(p, drop_reason::shutting_down, shutting_down_refusal(path));
    return;
  }
  if (pending_.size() >= capacity()) {
    drop(p, drop_reason::backlog_full, reply::failure(error_type::backlog_full,
                             "route " + path + " is at capacity: "
                               + std::to_string(pending_.size())
                               + " calls in flight (capacity "
                               + std::to_string(capacity())
                               + "); try again later"));
    return;
  }
  if (p.reply_to && by_ticket_.count(p.ticket) != 0) {
    answer(p, reply::failure(error_type::bad_request,
                             "a call to " + path + " with ticket " + std::to_string(p.ticket)
                               + " is already in flight"));
    return;
  }
  auto max_depth = settings_.directory ? settings_.directory->max_call_depth()
                                       : default_max_call_depth;
  if (auto refused = refusal_at_admission(path, p.request, p.admitted, max_depth)) {
    if (refused->dropped == drop_reason::caller_gone)
      ++dropped_gone_;
    if (refused->dropped)
      drop(p, *refused->dropped, std::move(refused->answer));
    else
      answer(p, std::move(refused->answer));
    return;
  }
  if (!p.request.cancel)
    p.request.cancel = std::make_shared<cancel_token>(); // for its own calls to routes
  ++admitted_;
  p.counted = true;
  // The route may call this process's routes (route_call.hpp).
  p.request.routes = settings_.directory;
  if (settings_.in_place && !batching()) {
    run_in_place(std::move(p));
    return;
  }
  auto [id, it] = file(std::move(p));
  ++waiting_count_;
  publish_load();
  watch_cancel(id, it->second);
  if (batching()) {
    waiting_.push_back(id);
    run_batches();
    return;
  }
  if (auto target = free_instance(); target != nullptr && waiting_.empty())
    dispatch(id, it->second, *target);
  else
    waiting_.push_back(id);
}

std::pair<std::uint64_t, route_gate::pending_iterator> route_gate::file(pending_call&& p) {
  auto id = next_call_id_++;
  auto deadline = p.request.deadline;
  auto [it, added] = pending_.emplace(id, std::move(p));
  it->second.deadline_entry = deadlines_.emplace(deadline, id);
  if (it->second.reply_to) // a cancel from the supervisor's gate reaches it
    by_ticket_[it->second.ticket] = id;
  if (deadline < next_tick_)
    schedule_tick(deadline);
  publish_load();
  return {id, it};
}

void route_gate::watch_cancel(std::uint64_t call_id, pending_call& p) {
  // Weakly: a token outliving the gate must not keep it.
  p.request.cancel->on_cancel([gate = caf::actor_cast<caf::weak_actor_ptr>(ctrl()), call_id] {
    if (auto strong = gate.lock())
      caf::anon_send(caf::actor_cast<caf::actor>(strong), cancel_atom::value, call_id,
                     local_only{});
  });
}

void route_gate::on_cancel(std::uint64_t call_id) {
  auto it = pending_.find(call_id);
  if (it == pending_.end())
    return;
  auto& p = it->second;
  if (!p.dispatched) {
    ++dropped_gone_;
    drop(p, drop_reason::caller_gone, reply::failure(error_type::cancelled,
                             "the caller of route " + settings_.path + " gave up before it ran"));
    forget(it);
    dispatch_waiting();
    check_drained();
    return;
  }
  unwant(p); // a batch nobody waits for any more makes no more calls
  // Running in a worker: its gate drops it there if it still waits. The
  // call goes first, if it is still gathered here.
  if (settings_.remote)
    for (auto& inst : instances_)
      if (inst.id == p.instance_id) {
        send_calls(inst);
        send(inst.handle, cancel_atom::value, call_id);
      }
}

void route_gate::run_in_place(pending_call&& p) {
  auto r = settings_.in_place->run(p.request);
  auto later = deferred_reply::of(r);
  if (!later.valid()) {
    answer(p, std::move(r));
    return;
  }
  // It answers when the routes it called have: until then it is in flight
  // (capacity, deadline) like a call an instance runs.
  p.dispatched = true;
  p.request.input = nullptr;
  p.request.meta = nullptr;
  auto id = file(std::move(p)).first;
  later.on_complete([gate = caf::actor_cast<caf::actor>(this), id](reply done) {
    caf::anon_send(gate, deferred_atom::value, id, std::move(done), local_only{});
  });
}

void route_gate::drop(pending_call& p, drop_reason why, reply r) {
  if (!p.answered && settings_.metrics)
    settings_.metrics->dropped(why);
  answer(p, std::move(r));
}

void route_gate::answer(pending_call& p, reply r) {
  if (p.answered)
    return;
  p.answered = true;
  if (settings_.metrics)
    settings_.metrics->answered(r, p.counted ? clock().now() - p.admitted
                                             : std::chrono::nanoseconds{-1});
  log_answer(p, r);
  if (p.callback) {
    give_reply(settings_.path, p.callback, std::move(r));
  } else if (p.reply_to) {
    replies_out_.push_back(
      outgoing_reply{std::move(p.reply_to), p.key, worker_reply{p.ticket, std::move(r)}});
    outgoing_added();
  } else if (p.promise.pending()) {
    p.promise.deliver(std::move(r));
  }
}

void route_gate::log_answer(const pending_call& p, const reply& r) {
  actorserve::log_answer(settings_.path, settings_.remote, p.request,
                         p.counted ? std::optional<deadline_point>{p.admitted} : std::nullopt,
                         clock(), r);
}

route_gate::instance* route_gate::free_instance() {
  // Scanning from a rotating start spreads calls among instances equally
  // loaded (sequential callers would otherwise all reach the first).
  instance* best = nullptr;
  auto n = instances_.size();
  for (std::size_t k = 0; k < n; ++k) {
    auto& inst = instances_[(next_pick_ + k) % n];
    if (inst.retired)
      continue;
    if (best == nullptr || inst.outstanding < best->outstanding)
      best = &inst;
  }
  if (n > 0)
    next_pick_ = (next_pick_ + 1) % n;
  // A blocking instance takes one call at a time; the rest wait here, where
  // any instance that frees up can take them.
  if (best != nullptr && settings_.options.blocking && best->outstanding > 0)
    return nullptr;
  return best;
}

void route_gate::dispatch(std::uint64_t call_id, pending_call& p,
                          instance& target) {
  p.dispatched = true;
  --waiting_count_;
  publish_load();
  ++target.outstanding;
  auto instance_id = target.id;
  p.instance_id = instance_id;
  // No timeout: CAF keeps a request's timeout scheduled until it fires,
  // even after the answer, which costs memory and time per call. A worker
  // answers every call it took, or is lost, which fails the call here.
  // The instance gets the call's input and meta, moved, not copied; the
  // gate keeps the rest, for /debug/calls and its logs.
  json input = std::move(p.request.input);
  json meta = std::move(p.request.meta);
  p.request.input = nullptr;
  p.request.meta = nullptr;
  call sent = p.request;
  sent.input = std::move(input);
  sent.meta = std::move(meta);
  if (settings_.remote) {
    target.outbox.push_back(worker_call{call_id, std::move(sent)});
    if (target.outbox.size() >= max_calls_per_message)
      send_calls(target);
    else
      outgoing_added();
    return;
  }
  request(target.handle, caf::infinite, call_atom::value, std::move(sent))
    .then(
      [this, call_id, instance_id](reply& r) {
        gather_scope scope{*this};
        finish(call_id, instance_id, std::move(r));
      },
      [this, call_id, instance_id](caf::error& err) {
        gather_scope scope{*this};
        finish(call_id, instance_id, failed_dispatch(err));
      });
}

void route_gate::take_replies(reply_batch& batch) {
  if (!settings_.remote)
    return;
  auto from = std::find_if(instances_.begin(), instances_.end(),
                           [&](const instance& i) { return i.key == batch.key; });
  if (from == instances_.end())
    return; // a lost worker's, or forged
  auto instance_id = from->id;
  for (auto& r : batch.items) {
    // Only the instance a call went to answers it, and only once.
    auto it = pending_.find(r.ticket);
    if (it == pending_.end() || !it->second.dispatched || it->second.instance_id != instance_id)
      continue;
    finish(r.ticket, instance_id, std::move(r.answer));
  }
}

void route_gate::outgoing_added() {
  has_gathered_ = true;
  if (!gathering_)
    schedule_flush();
}

void route_gate::schedule_flush() {
  if (flush_pending_)
    return;
  flush_pending_ = true;
  send(this, flush_atom::value, local_only{});
}

void route_gate::send_gathered_when_idle() {
  gathering_ = false;
  if (!has_gathered_)
    return;
  // More calls or replies waiting in the mailbox would join these: send
  // once they have been handled.
  if (mailbox().empty())
    send_gathered();
  else
    schedule_flush();
}

void route_gate::send_gathered() {
  has_gathered_ = false;
  for (auto& inst : instances_)
    send_calls(inst);
  send_replies();
}

void route_gate::send_replies() {
  // Replies, to each caller in turn, in order (a worker's gate has one
  // caller, its supervisor's gate).
  auto out = std::move(replies_out_);
  replies_out_.clear();
  std::size_t i = 0;
  while (i < out.size()) {
    auto& to = out[i].to;
    reply_batch batch;
    batch.key = out[i].key;
    for (; i < out.size() && out[i].to == to && out[i].key == batch.key
           && batch.items.size() < max_calls_per_message;
         ++i)
      batch.items.push_back(std::move(out[i].reply));
    send(caf::actor_cast<caf::actor>(to), reply_batch_atom::value, std::move(batch));
  }
}

void route_gate::send_calls(instance& target) {
  if (target.outbox.empty())
    return;
  call_batch batch;
  batch.key = target.key;
  batch.items = std::move(target.outbox);
  target.outbox.clear();
  send(target.handle, call_batch_atom::value, std::move(batch));
}

reply route_gate::failed_dispatch(const caf::error& err) const {
  if (settings_.remote)
    return lost_reply(err == caf::sec::request_receiver_down ? "its connection closed"
                                                             : system().render(err));
  std::string why = err == caf::sec::request_receiver_down
                      ? "stopped before answering"
                      : "failed: " + system().render(err);
  return reply::failure(error_type::route_failed,
                        "an instance of route " + settings_.path + " " + why);
}

void route_gate::run_batches() {
  auto size = settings_.options.batch_size;
  while (waiting_count_ > 0 && !waiting_.empty()) {
    while (!waiting_.empty() && pending_.count(waiting_.front()) == 0)
      waiting_.pop_front(); // timed out while waiting
    if (waiting_.empty())
      return;
    auto now = clock().now();
    auto& oldest = pending_.at(waiting_.front());
    auto due = oldest.admitted + settings_.options.batch_wait_time;
    if (waiting_count_ < size && now < due) {
      schedule_batch_timer(due);
      return;
    }
    instance* target = nullptr;
    if (!settings_.in_place) {
      target = free_instance();
      if (target == nullptr)
        return; // the next instance to finish runs it
    }
    dispatch_batch(target, now);
  }
}

void route_gate::dispatch_batch(instance* target, deadline_point now) {
  auto batch_id = next_batch_id_++;
  std::vector<std::uint64_t> members;
  auto inputs = json::array();
  auto latest = deadline_point::min();
  std::uint32_t depth = 0;
  auto instance_id = target != nullptr ? target->id : 0;
  while (!waiting_.empty() && members.size() < settings_.options.batch_size) {
    auto id = waiting_.front();
    waiting_.pop_front();
    auto it = pending_.find(id);
    if (it == pending_.end())
      continue;
    auto& p = it->second;
    if (p.request.deadline <= now) { // its caller has given up: not run
      ++timed_out_waiting_;
      drop(p, drop_reason::deadline, reply::failure(error_type::timeout,
                               "route " + settings_.path + " had no batch run within "
                                 + std::to_string(millis(p.request.deadline - p.admitted))
                                 + " ms"));
      forget(it);
      continue;
    }
    p.dispatched = true;
    --waiting_count_;
    p.instance_id = instance_id;
    p.batch = batch_id;
    depth = std::max(depth, p.request.depth);
    inputs.push_back(std::move(p.request.input));
    p.request.input = nullptr;
    p.request.meta = nullptr;
    latest = std::max(latest, p.request.deadline);
    members.push_back(id);
  }
  publish_load();
  if (members.empty())
    return;
  if (settings_.metrics)
    settings_.metrics->batch(members.size());
  // The batch's own calls to routes count as deep as its deepest call's,
  // and end once none of its calls is still wanted.
  call batch{settings_.path, std::move(inputs), latest, new_call_id()};
  batch.routes = settings_.directory;
  batch.depth = depth;
  batch.cancel = std::make_shared<cancel_token>();
  auto wanted = members.size();
  batches_.emplace(batch_id, batch_run{std::move(members), batch.cancel, wanted});
  if (target == nullptr) {
    auto r = settings_.in_place->run(batch);
    auto later = deferred_reply::of(r);
    if (!later.valid()) {
      finish_batch(batch_id, 0, std::move(r));
      return;
    }
    later.on_complete([gate = caf::actor_cast<caf::actor>(this), batch_id](reply done) {
      caf::anon_send(gate, batch_done_atom::value, batch_id, std::move(done), local_only{});
    });
    return;
  }
  ++target->outstanding;
  request(target->handle, caf::infinite, call_atom::value, std::move(batch))
    .then(
      [this, batch_id, instance_id](reply& r) {
        gather_scope scope{*this};
        finish_batch(batch_id, instance_id, std::move(r));
      },
      [this, batch_id, instance_id](caf::error& err) {
        gather_scope scope{*this};
        finish_batch(batch_id, instance_id, failed_dispatch(err));
      });
}

void route_gate::finish_batch(std::uint64_t batch_id, std::uint64_t instance_id, reply r) {
  for (auto& inst : instances_)
    if (inst.id == instance_id && inst.outstanding > 0)
      --inst.outstanding;
  auto bit = batches_.find(batch_id);
  if (bit != batches_.end()) {
    auto members = std::move(bit->second.members);
    batches_.erase(bit);
    auto& results = r.value();
    bool fits = r.ok() && results.is_array() && results.size() == members.size();
    if (r.ok() && !fits)
      r = reply::failure(error_type::route_failed,
                         "route " + settings_.path + " returned "
                           + (results.is_array() ? std::to_string(results.size()) + " results"
                                                 : std::string{"a "} + results.type_name())
                           + " for a batch of " + std::to_string(members.size())
                           + (members.size() == 1 ? " call" : " calls") + "; a batch route returns a list of one result per input, in order");
    for (std::size_t i = 0; i < members.size(); ++i) {
      auto pit = pending_.find(members[i]);
      if (pit == pending_.end())
        continue;
      answer(pit->second, fits ? reply{std::move(results[i])} : r);
      forget(pit);
    }
  }
  run_batches();
  check_drained();
}

void route_gate::unwant(pending_call& p) {
  if (p.batch == 0 || p.unwanted)
    return;
  p.unwanted = true;
  auto it = batches_.find(p.batch);
  if (it != batches_.end() && --it->second.wanted == 0)
    it->second.cancel->cancel();
}

void route_gate::schedule_batch_timer(deadline_point when) {
  if (when >= batch_due_)
    return;
  batch_due_ = when;
  auto delay = std::max(when - clock().now(), caf::timespan::zero());
  delayed_send(this, delay, batch_atom::value, when);
}

void route_gate::dispatch_waiting() {
  if (batching()) {
    run_batches();
    return;
  }
  while (!waiting_.empty()) {
    auto it = pending_.find(waiting_.front());
    if (it == pending_.end()) {
      waiting_.pop_front(); // timed out while waiting
      continue;
    }
    auto target = free_instance();
    if (target == nullptr)
      return;
    waiting_.pop_front();
    dispatch(it->first, it->second, *target);
  }
}

void route_gate::finish(std::uint64_t call_id, std::uint64_t instance_id,
                        reply r) {
  for (auto& inst : instances_)
    if (inst.id == instance_id && inst.outstanding > 0)
      --inst.outstanding;
  if (auto it = pending_.find(call_id); it != pending_.end()) {
    answer(it->second, std::move(r));
    forget(it);
  }
  dispatch_waiting();
  check_drained();
}

void route_gate::forget(pending_iterator it) {
  if (it->second.ticket != 0)
    if (auto t = by_ticket_.find(it->second.ticket); t != by_ticket_.end() && t->second == it->first)
      by_ticket_.erase(t);
  if (!it->second.dispatched)
    --waiting_count_;
  if (it->second.deadline_entry != deadlines_.end())
    deadlines_.erase(it->second.deadline_entry);
  pending_.erase(it);
  publish_load();
}

void route_gate::sweep() {
  auto now = clock().now();
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    auto call_id = deadlines_.begin()->second;
    auto it = pending_.find(call_id);
    auto& p = it->second;
    auto budget = millis(p.request.deadline - p.admitted);
    if (p.dispatched) {
      // Its caller has stopped waiting: its own calls to routes end too.
      if (p.request.cancel)
        p.request.cancel->cancel();
      unwant(p);
      if (settings_.answer_at_deadline)
        answer(p, reply::failure(error_type::timeout,
                               "route " + settings_.path + " did not answer within "
                                 + std::to_string(budget) + " ms"));
      // Still running: it holds its place in the capacity until it answers.
      deadlines_.erase(deadlines_.begin());
      p.deadline_entry = deadlines_.end();
    } else {
      ++timed_out_waiting_;
      drop(p, drop_reason::deadline, reply::failure(error_type::timeout,
                               "route " + settings_.path
                                 + (batching() ? " had no batch run within "
                                               : " had no free instance within ")
                                 + std::to_string(budget) + " ms"));
      forget(it);
    }
  }
  if (!deadlines_.empty())
    schedule_tick(deadlines_.begin()->first);
  check_drained();
}

void route_gate::schedule_tick(deadline_point when) {
  if (when >= next_tick_)
    return;
  next_tick_ = when;
  auto delay = when - clock().now();
  if (delay.count() < 0)
    delay = delay.zero();
  delayed_send(this, delay, tick_atom::value, when);
}

void route_gate::instance_down(const caf::down_msg& msg) {
  auto it = std::find_if(instances_.begin(), instances_.end(),
                         [&](const instance& inst) { return inst.handle.address() == msg.source; });
  if (it == instances_.end())
    return;
  auto dead = it->id;
  auto worker = it->worker;
  instances_.erase(it);
  // Its calls will never be answered: fail them now, and free their places.
  if (settings_.remote) {
    auto how = msg.reason == caf::exit_reason::remote_link_unreachable
                 ? std::string{"its connection closed"}
                 : system().render(msg.reason);
    fail_calls_of(dead, lost_reply("worker " + std::to_string(worker) + " is gone (" + how + ")"));
    check_drained();
    return; // the worker supervisor restarts workers
  }
  fail_calls_of(dead, reply::failure(error_type::route_failed,
                                     "an instance of route " + settings_.path
                                       + " stopped before answering"));
  check_drained();
  if (draining_)
    return;
  log::warning("an instance of route " + settings_.path
               + " stopped (" + system().render(msg.reason) + "); starting a new one");
  start_replacement();
}

void route_gate::start_replacement() {
  if (draining_)
    return;
  // A route's constructor may take long (it loads a model): not on a
  // gateway's thread, which runs this gate when its call woke it. Asked
  // again a little later, the gate most likely runs on a scheduler thread.
  if (dynamic_cast<calling_thread_unit*>(context()) != nullptr) {
    delayed_send(this, std::chrono::milliseconds(1), replace_instance_atom::value, local_only{});
    return;
  }
  try {
    add_instance(settings_.respawn());
    dispatch_waiting();
  } catch (const std::exception& e) {
    log::error("route " + settings_.path + " could not start a new instance: " + e.what());
    if (instances_.empty())
      for (auto id : waiting_)
        if (auto pit = pending_.find(id); pit != pending_.end()) {
          answer(pit->second, reply::failure(error_type::route_failed,
                                             "route " + settings_.path
                                               + " has no running instance: "
                                               + e.what()));
          forget(pit);
        }
  }
}

void route_gate::check_drained() {
  if (draining_ && !drained_sent_ && pending_.empty()) {
    drained_sent_ = true;
    send_gathered(); // the last replies leave before the drain is reported
    if (drain_listener_)
      send(drain_listener_, drained_atom::value, local_only{});
  }
}

void route_gate::stop() {
  draining_ = true;
  if (settings_.in_place)
    settings_.in_place->begin_drain(); // nor do callers' threads run it any more
  gathering_ = true; // the replies below leave together, before the gate quits
  for (auto& [id, p] : pending_)
    answer(p, reply::failure(error_type::shutting_down,
                             "the service stopped before route "
                               + settings_.path + " answered"));
  for (auto& inst : instances_) {
    demonitor(inst.handle);
    if (!settings_.remote) // a worker's gates stop with their worker
      send_exit(inst.handle, caf::exit_reason::user_shutdown);
  }
  // A worker's gate: the replies to its supervisor's calls, just given.
  // (A supervisor's gate drops the calls it gathered: answered above.)
  send_replies();
  quit();
}

} // namespace actorserve
