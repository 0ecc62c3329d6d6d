#include "apps/example/example_routes.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <thread>
#include <unordered_map>

#include <caf/response_promise.hpp>

#include "actors/call_error.hpp"
#include "actors/route_actor.hpp"

namespace actorserve::example {

namespace {

using tick = caf::atom_constant<caf::atom("wake")>;

std::string describe(const json& x) {
  auto text = json_text(x);
  if (text.size() > 80)
    text = text.substr(0, 77) + "...";
  return std::string(x.type_name()) + " " + text;
}

json double_number(const json& n) {
  if (n.is_number_integer()) {
    auto v = n.get<std::int64_t>();
    if (v > std::numeric_limits<std::int64_t>::max() / 2
        || v < std::numeric_limits<std::int64_t>::min() / 2)
      return 2.0 * static_cast<double>(v);
    return 2 * v;
  }
  if (n.is_number_unsigned())
    return 2.0 * n.get<double>();
  return 2 * n.get<double>();
}

json double_value(const json& x) {
  if (x.is_number())
    return double_number(x);
  if (x.is_string())
    return x.get<std::string>() + x.get<std::string>();
  if (x.is_object() && x.contains("x") && x["x"].is_number()) {
    auto out = x;
    out["y"] = double_number(x["x"]);
    return out;
  }
  throw call_error("TypeError",
                   "/double takes a number, a string or {\"x\": number}; got "
                     + describe(x));
}

double seconds_of(const json& x, const char* route, double limit) {
  if (!x.is_number() || !std::isfinite(x.get<double>()) || x.get<double>() < 0
      || x.get<double>() > limit)
    throw call_error("ValueError", std::string(route)
                                     + " takes a number from 0 to "
                                     + std::to_string(static_cast<int>(limit))
                                     + "; got " + describe(x));
  return x.get<double>();
}

/// Answers after the given time from a timer: no thread waits.
class sleep_route : public route_actor {
public:
  using route_actor::route_actor;

protected:
  caf::result<reply> handle(const call& request) override {
    auto seconds = seconds_of(request.input, "/sleep", 3600);
    auto id = next_id_++;
    sleepers_.emplace(id, sleeper{make_response_promise(), request.input});
    delayed_send(this,
                 std::chrono::duration_cast<caf::timespan>(
                   std::chrono::duration<double>(seconds)),
                 tick::value, id);
    return sleepers_.at(id).promise;
  }

  caf::message_handler extra_handlers() override {
    return {[this](tick, std::uint64_t id) {
      auto it = sleepers_.find(id);
      if (it == sleepers_.end())
        return;
      it->second.promise.deliver(reply{it->second.input});
      sleepers_.erase(it);
    }};
  }

private:
  struct sleeper {
    caf::response_promise promise;
    json input;
  };
  std::uint64_t next_id_ = 1;
  std::unordered_map<std::uint64_t, sleeper> sleepers_;
};

/// Tells which process and worker served the call. A worker_context holding
/// {"fail_start": "why"} makes its constructor throw: a worker that cannot
/// start, for trying out how a service handles one.
class info_route : public route_actor {
public:
  info_route(caf::actor_config& cfg, const worker_context& context)
    : route_actor(cfg, context) {
    auto& v = context.value;
    if (v.is_object() && v.contains("fail_start"))
      throw std::runtime_error("this worker_context asks /info not to start: "
                               + v["fail_start"].dump());
  }

protected:
  caf::result<reply> handle(const call&) override {
    return json{{"pid", ::getpid()},
                {"worker_index", context().worker_index},
                {"worker_context", context().value}};
  }
};

json spin(const json& x) {
  auto millis = seconds_of(x, "/spin", 60'000);
  auto until = std::chrono::steady_clock::now()
               + std::chrono::duration<double, std::milli>(millis);
  volatile std::uint64_t sink = 0;
  while (std::chrono::steady_clock::now() < until)
    for (int i = 0; i < 1000; ++i)
      sink = sink + i;
  return json{{"pid", ::getpid()}};
}

} // namespace

application make_example_application() {
  application app;
  // Cheap routes take many calls at once: every gateway connection may have
  // its whole backlog in flight.
  route_options cheap;
  cheap.capacity = 16384;
  app.add_route("/double", double_value, cheap);
  app.add_route("/echo", [](const json& x) { return x; }, cheap);
  app.add_route<sleep_route>("/sleep", cheap);
  route_options blocking;
  blocking.blocking = true;
  blocking.concurrency = std::max(1u, std::thread::hardware_concurrency());
  app.add_route("/spin", spin, blocking);
  route_options get_too = cheap;
  get_too.methods = {"GET", "POST"};
  app.add_route<info_route>("/info", get_too);
  app.add_route("/fail", [](const json& x) {
    return reply::failure("ExampleError",
                          x.is_string() ? x.get<std::string>() : x.dump());
  }, cheap);
  return app;
}

} // namespace actorserve::example
