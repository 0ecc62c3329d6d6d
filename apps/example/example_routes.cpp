#include "apps/example/example_routes.hpp"

#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <thread>
#include <unordered_map>

#include <caf/response_promise.hpp>

#include "actors/call_error.hpp"
#include "actors/composition.hpp"
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
  // Unsigned first: is_number_integer() holds for unsigned numbers too, and
  // one past the largest int64 would wrap to a negative one.
  if (n.is_number_unsigned()) {
    auto v = n.get<std::uint64_t>();
    if (v > std::numeric_limits<std::uint64_t>::max() / 2)
      return 2.0 * static_cast<double>(v);
    return 2 * v;
  }
  if (n.is_number_integer()) {
    auto v = n.get<std::int64_t>();
    if (v > std::numeric_limits<std::int64_t>::max() / 2
        || v < std::numeric_limits<std::int64_t>::min() / 2)
      return 2.0 * static_cast<double>(v);
    return 2 * v;
  }
  return 2 * n.get<double>();
}

// Takes its input by value: the object it answers is the one it was given.
json double_value(json x) {
  if (x.is_number())
    return double_number(x);
  if (x.is_string())
    return x.get<std::string>() + x.get<std::string>();
  if (x.is_object()) {
    auto it = x.find("x");
    if (it != x.end() && it->is_number()) {
      x["y"] = double_number(*it);
      return x;
    }
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

/// CPU time the calling thread has used. /spin counts this, not the wall
/// clock: a spinning thread that is preempted keeps spinning until it has
/// done its share of work, as a real computation would.
std::chrono::nanoseconds thread_cpu_time() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec);
}

json spin(const json& x) {
  auto millis = seconds_of(x, "/spin", 60'000);
  auto until = thread_cpu_time()
               + std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::duration<double, std::milli>(millis));
  volatile std::uint64_t sink = 0;
  while (thread_cpu_time() < until)
    for (int i = 0; i < 1000; ++i)
      sink = sink + i;
  return json{{"pid", ::getpid()}};
}

// The members of /hello (the Python original's documentation example).

json head(const json& x) {
  if (x.is_string() && !x.get_ref<const std::string&>().empty())
    return x.get_ref<const std::string&>().substr(0, 1);
  if (x.is_array() && !x.empty())
    return x.front();
  throw call_error("TypeError", "/head takes a non-empty list or string; got " + describe(x));
}

json tail(const json& x) {
  if (x.is_string() && !x.get_ref<const std::string&>().empty())
    return x.get_ref<const std::string&>().substr(x.get_ref<const std::string&>().size() - 1);
  if (x.is_array() && !x.empty())
    return x.back();
  throw call_error("TypeError", "/tail takes a non-empty list or string; got " + describe(x));
}

json length(const json& x) {
  if (x.is_string())
    return x.get_ref<const std::string&>().size();
  if (x.is_array() || x.is_object())
    return x.size();
  throw call_error("TypeError", "/len takes a list, a string or an object; got " + describe(x));
}

/// [h, t, n] → (h + t) * n: numbers add and multiply, strings concatenate
/// and repeat (n times, to at most 1 MiB).
json combine(const json& x) {
  if (!x.is_array() || x.size() != 3)
    throw call_error("TypeError", "/combine takes [h, t, n]; got " + describe(x));
  auto& h = x[0];
  auto& t = x[1];
  auto& n = x[2];
  if (h.is_number() && t.is_number() && n.is_number()) {
    // Whole numbers that fit 64 signed bits add and multiply exactly; the
    // rest (fractions, overflow, unsigned numbers past 2^63) as doubles.
    auto whole = [](const json& v) {
      return v.is_number_integer()
             && !(v.is_number_unsigned()
                  && v.get<std::uint64_t>() > std::uint64_t{std::numeric_limits<std::int64_t>::max()});
    };
    if (whole(h) && whole(t) && whole(n)) {
      std::int64_t sum = 0;
      std::int64_t product = 0;
      if (!__builtin_add_overflow(h.get<std::int64_t>(), t.get<std::int64_t>(), &sum)
          && !__builtin_mul_overflow(sum, n.get<std::int64_t>(), &product))
        return product;
    }
    return (h.get<double>() + t.get<double>()) * n.get<double>();
  }
  if (h.is_string() && t.is_string() && n.is_number_integer()
      && !(n.is_number_unsigned()
           && n.get<std::uint64_t>() > std::uint64_t{std::numeric_limits<std::int64_t>::max()})) {
    auto unit = h.get<std::string>() + t.get<std::string>();
    auto times = n.get<std::int64_t>();
    constexpr std::int64_t max_bytes = 1 << 20;
    if (times < 0 || (!unit.empty() && times > max_bytes / static_cast<std::int64_t>(unit.size())))
      throw call_error("ValueError", "/combine repeats a string 0 to " + std::to_string(max_bytes)
                                       + " bytes long; asked for " + std::to_string(times)
                                       + " times " + std::to_string(unit.size()) + " bytes");
    std::string out;
    out.reserve(unit.size() * static_cast<std::size_t>(times));
    for (std::int64_t i = 0; i < times; ++i)
      out += unit;
    return out;
  }
  throw call_error("TypeError",
                   "/combine takes three numbers, or two strings and a whole number; got "
                     + describe(x));
}

json greet(const json& x) {
  return "Hello, " + (x.is_string() ? x.get<std::string>() : json_text(x)) + "!";
}

/// Calls /double on its input, then /double on that, and answers the second.
class twice_route : public route_actor {
public:
  using route_actor::route_actor;

protected:
  caf::result<reply> handle(const call& request) override {
    auto promise = make_response_promise<reply>();
    call_route(request, "/double", request.input).then([this, promise, request](reply once) mutable {
      if (!once.ok()) {
        promise.deliver(std::move(once));
        return;
      }
      call_route(request, "/double", std::move(once).value()).then([promise](reply again) mutable {
        promise.deliver(std::move(again));
      });
    });
    return promise;
  }
};

json pick_by_type(const json& x) {
  if (x.is_number())
    return "/double";
  if (x.is_string())
    return "/echo";
  throw call_error("TypeError", "/by_type takes a number or a string; got " + describe(x));
}

/// A batch route: takes the list of its batch's inputs, and answers each
/// with the size of the batch it ran in.
json batched(const json& inputs) {
  auto out = json::array();
  for (auto& x : inputs)
    out.push_back(json{{"input", x}, {"batch", inputs.size()}});
  return out;
}

} // namespace

application make_example_application() {
  application app;
  // Cheap routes take many calls at once: every gateway connection may have
  // its whole backlog in flight.
  route_options cheap;
  cheap.capacity = 16384;
  app.add_route("/double", double_value, cheap);
  app.add_route("/echo", [](json x) { return x; }, cheap);
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
  app.add_route("/head", head, cheap);
  app.add_route("/tail", tail, cheap);
  app.add_route("/len", length, cheap);
  app.add_route("/combine", combine, cheap);
  app.add_route("/greet", greet, cheap);
  app.add_route("/hello", sequential({ensemble({"/head", "/tail", "/len"}), "/combine", "/greet"}),
                cheap);
  app.add_route("/strict", ensemble({"/double", "/fail"}, true), cheap);
  app.add_route("/lenient", ensemble({"/double", "/fail"}, false), cheap);
  app.add_route("/by_type", switch_route(pick_by_type, {"/double", "/echo"}), cheap);
  app.add_route<twice_route>("/twice", cheap);
  route_options batches = cheap;
  batches.batch_size = 16;
  batches.batch_wait_time = std::chrono::milliseconds{20};
  app.add_route("/batched", batched, batches);
  return app;
}

} // namespace actorserve::example
