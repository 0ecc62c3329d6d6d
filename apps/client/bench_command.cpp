#include "apps/client/bench_command.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "actors/error_type.hpp"
#include "actors/json_depth.hpp"
#include "apps/client/latency_histogram.hpp"

namespace actorserve::client {

namespace {

using steady = std::chrono::steady_clock;

/// Error types counted apart. A service that answers more distinct types
/// than this has the rest counted under one name, and a type is cut at
/// max_error_type_length: the tally stays small however the service
/// answers.
constexpr std::size_t max_error_types = 100;
constexpr const char* other_error_types = "(other types)";
constexpr std::size_t max_error_type_length = 200;

/// What the calls came back with, from every lane at once.
class tally {
public:
  void succeeded(std::chrono::nanoseconds latency) {
    latency_.record(latency);
    calls_.fetch_add(1, std::memory_order_relaxed);
  }

  void failed(std::string type) {
    if (type.size() > max_error_type_length)
      type.resize(max_error_type_length);
    {
      std::lock_guard<std::mutex> guard{mutex_};
      auto it = errors_.find(type);
      if (it == errors_.end())
        it = errors_.try_emplace(errors_.size() < max_error_types ? type : other_error_types, 0)
               .first;
      ++it->second;
    }
    failed_.fetch_add(1, std::memory_order_relaxed);
    calls_.fetch_add(1, std::memory_order_relaxed);
  }

  std::uint64_t calls() const {
    return calls_.load(std::memory_order_relaxed);
  }

  std::uint64_t failed_count() const {
    return failed_.load(std::memory_order_relaxed);
  }

  std::map<std::string, std::uint64_t> errors() const {
    std::lock_guard<std::mutex> guard{mutex_};
    return errors_;
  }

  const latency_histogram& latency() const {
    return latency_;
  }

private:
  /// Of the calls answered without error (as perf_analyzer counts them): an
  /// error answered at once would make the latency look better than it is.
  latency_histogram latency_;
  std::atomic<std::uint64_t> calls_{0};
  std::atomic<std::uint64_t> failed_{0};
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> errors_;
};

/// Tells the lanes to stop, and the main thread why they stopped early.
class run_control {
public:
  bool stopping() const {
    return stop_.load(std::memory_order_relaxed);
  }

  void stop() {
    {
      std::lock_guard<std::mutex> guard{mutex_};
      stop_ = true;
    }
    changed_.notify_all();
  }

  /// The service is gone (the connections broke and cannot be reopened).
  void lose(const std::string& why) {
    fail(lost_, why);
  }

  /// The lanes could not all be started.
  void cannot_start(const std::string& why) {
    fail(not_started_, why);
  }

  /// Waits until `until`, or until something stops the run.
  void wait_until(steady::time_point until) {
    std::unique_lock<std::mutex> guard{mutex_};
    changed_.wait_until(guard, until, [this] { return stop_.load(); });
  }

  std::optional<std::string> lost() const {
    std::lock_guard<std::mutex> guard{mutex_};
    return lost_;
  }

  std::optional<std::string> not_started() const {
    std::lock_guard<std::mutex> guard{mutex_};
    return not_started_;
  }

private:
  void fail(std::optional<std::string>& slot, const std::string& why) {
    {
      std::lock_guard<std::mutex> guard{mutex_};
      if (!slot)
        slot = why;
      stop_ = true;
    }
    changed_.notify_all();
  }

  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<std::string> lost_;
  std::optional<std::string> not_started_;
};

/// Set by SIGINT while a bench runs; the main thread looks at it at least
/// every 200 ms.
std::atomic<bool> interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

extern "C" void on_interrupt(int) {
  interrupted.store(true);
}

/// Ctrl-C stops the bench with its summary; a second Ctrl-C kills it
/// (SA_RESETHAND).
class interrupt_handler {
public:
  interrupt_handler() {
    interrupted = false;
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART | SA_RESETHAND;
    ::sigaction(SIGINT, &action, &previous_);
  }

  ~interrupt_handler() {
    ::sigaction(SIGINT, &previous_, nullptr);
  }

  interrupt_handler(const interrupt_handler&) = delete;
  interrupt_handler& operator=(const interrupt_handler&) = delete;

private:
  struct sigaction previous_ {};
};

/// One lane over the socket gateway: one call at a time, until told to stop.
void socket_lane(socket::socket_client& client, const bench_options& o, tally& counts,
                 run_control& control) {
  while (!control.stopping()) {
    auto sent = steady::now();
    std::future<json> reply;
    try {
      reply = client.submit(o.path, o.data, o.timeout);
    } catch (const call_error& e) {
      if (e.type() == error_type::connection_lost) {
        // Every connection is gone (the client has no way to reopen one).
        control.lose(e.what());
        return;
      }
      counts.failed(e.type()); // Timeout: no room while timed-out calls hold theirs
      continue;
    }
    if (reply.wait_for(o.timeout) != std::future_status::ready) {
      counts.failed(error_type::timeout);
      continue;
    }
    try {
      reply.get();
      counts.succeeded(steady::now() - sent);
    } catch (const call_error& e) {
      counts.failed(e.type());
    } catch (const std::exception&) {
      counts.failed("BadResponse");
    }
  }
}

/// The error type of an HTTP answer, or nothing when it is a success: the
/// type of the body's {"error": {"type": ...}}, else "HTTP <status>".
std::optional<std::string> error_type_of(const http_answer& answer) {
  if (answer.failure)
    return answer.failure->type();
  if (answer.status < 400)
    return std::nullopt;
  if (json_text_depth(answer.body, default_max_depth) <= default_max_depth) {
    auto body = json::parse(answer.body, nullptr, false);
    if (body.is_object()) {
      auto error = body.find("error");
      if (error != body.end() && error->is_object()) {
        auto type = error->find("type");
        if (type != error->end() && type->is_string() && !type->get<std::string>().empty())
          return type->get<std::string>();
      }
    }
  }
  return "HTTP " + std::to_string(answer.status);
}

std::string fixed(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

std::string seconds_text(std::chrono::milliseconds d) {
  char text[64];
  std::snprintf(text, sizeof text, "%g", d.count() / 1000.0);
  return text;
}

double micros(std::chrono::nanoseconds d) {
  return d.count() / 1000.0;
}

/// Where the bench calls, for the summary.
std::string target_of(const bench_options& o) {
  if (o.http)
    return o.http_text;
  if (!o.socket.path.empty())
    return "unix:" + o.socket.path;
  bool v6 = o.socket.host.find(':') != std::string::npos && o.socket.host.front() != '[';
  return (v6 ? "[" + o.socket.host + "]" : o.socket.host) + ":" + std::to_string(o.socket.port);
}

struct summary {
  std::string gateway;
  std::string target;
  std::string stopped; // duration, interrupted, connection lost
  double elapsed_s = 0;
  std::uint64_t calls = 0;
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;
  std::map<std::string, std::uint64_t> errors;
  double rps = 0;
  /// Over the calls answered without error; none when there were none.
  std::optional<double> p50_us, p90_us, p99_us, mean_us, max_us;
};

summary summarize(const bench_options& o, const tally& counts, steady::duration elapsed,
                  std::string stopped) {
  summary s;
  s.gateway = o.http ? "http" : "socket";
  s.target = target_of(o);
  s.stopped = std::move(stopped);
  s.elapsed_s = std::chrono::duration<double>(elapsed).count();
  s.calls = counts.calls();
  s.failed = counts.failed_count();
  s.ok = s.calls - s.failed;
  s.errors = counts.errors();
  s.rps = s.elapsed_s > 0 ? s.calls / s.elapsed_s : 0.0;
  auto& latency = counts.latency();
  if (latency.count() > 0) {
    s.p50_us = micros(latency.percentile(0.50));
    s.p90_us = micros(latency.percentile(0.90));
    s.p99_us = micros(latency.percentile(0.99));
    s.mean_us = micros(latency.mean());
    s.max_us = micros(latency.max());
  }
  return s;
}

std::string us_text(const std::optional<double>& us) {
  return us ? fixed(*us, 1) : "nan";
}

/// The line CONVENTIONS.md asks of every benchmark.
std::string bench_line(const bench_options& o, const summary& s) {
  return "BENCH client-bench calls=" + std::to_string(s.calls) + " rps=" + fixed(s.rps, 1)
         + " p50_us=" + us_text(s.p50_us) + " p90_us=" + us_text(s.p90_us)
         + " p99_us=" + us_text(s.p99_us) + " errors=" + std::to_string(s.failed)
         + " settings: path=" + o.path + " concurrency=" + std::to_string(o.concurrency)
         + " duration=" + seconds_text(o.duration) + " gateway=" + s.gateway;
}

void print_human(const bench_options& o, const summary& s) {
  std::cout << "bench " << o.path << " over " << s.gateway << " " << s.target << "\n"
            << "  concurrency " << o.concurrency << ", duration " << seconds_text(o.duration)
            << " s (ran " << fixed(s.elapsed_s, 3) << " s"
            << (s.stopped == "duration" ? "" : ", stopped early: " + s.stopped) << ")\n"
            << "  calls    " << s.calls << ", " << fixed(s.rps, 1) << "/s\n"
            << "  ok       " << s.ok << "\n";
  if (s.p50_us)
    std::cout << "  latency  p50 " << us_text(s.p50_us) << " us, p90 " << us_text(s.p90_us)
              << " us, p99 " << us_text(s.p99_us) << " us, mean " << us_text(s.mean_us)
              << " us, max " << us_text(s.max_us) << " us (calls answered without error)\n";
  else
    std::cout << "  latency  none: no call was answered without error\n";
  if (s.failed == 0) {
    std::cout << "  errors   none\n";
  } else {
    std::cout << "  errors   " << s.failed << " ("
              << fixed(100.0 * s.failed / std::max<std::uint64_t>(s.calls, 1), 1) << " %)\n";
    std::vector<std::pair<std::string, std::uint64_t>> by_count(s.errors.begin(), s.errors.end());
    std::stable_sort(by_count.begin(), by_count.end(),
                     [](auto& a, auto& b) { return a.second > b.second; });
    for (auto& [type, n] : by_count)
      std::cout << "           " << type << " " << n << "\n";
  }
  std::cout << bench_line(o, s) << "\n";
}

/// `value` rounded to `digits` decimals, as JSON prints it.
double rounded(double value, int digits) {
  auto scale = std::pow(10.0, digits);
  return std::round(value * scale) / scale;
}

void print_json(const bench_options& o, const summary& s) {
  using ordered = nlohmann::ordered_json; // in the order a person reads them
  auto number = [](const std::optional<double>& v) {
    return v ? ordered(rounded(*v, 1)) : ordered(nullptr);
  };
  ordered errors = ordered::object();
  for (auto& [type, n] : s.errors)
    errors[type] = n;
  ordered out = {{"bench", "client-bench"},
              {"path", o.path},
              {"gateway", s.gateway},
              {"target", s.target},
              {"concurrency", o.concurrency},
              {"duration_s", o.duration.count() / 1000.0},
              {"elapsed_s", rounded(s.elapsed_s, 3)},
              {"stopped", s.stopped},
              {"calls", s.calls},
              {"ok", s.ok},
              {"rps", rounded(s.rps, 1)},
              {"errors", std::move(errors)},
              {"error_count", s.failed},
              {"p50_us", number(s.p50_us)},
              {"p90_us", number(s.p90_us)},
              {"p99_us", number(s.p99_us)},
              {"mean_us", number(s.mean_us)},
              {"max_us", number(s.max_us)}};
  std::cout << out.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
}

/// The progress line on stderr, rewritten in place once a second.
class progress_line {
public:
  progress_line(const bench_options& o, const tally& counts, steady::time_point start)
    : on_(::isatty(STDERR_FILENO) == 1), options_(o), counts_(counts), start_(start),
      last_(start) {
  }

  /// When the line is shown next (never when stderr is no terminal).
  steady::time_point next() const {
    return on_ ? last_ + std::chrono::seconds{1} : steady::time_point::max();
  }

  void maybe_show(steady::time_point now) {
    if (!on_ || now < next())
      return;
    auto calls = counts_.calls();
    auto rate = (calls - last_calls_) / std::chrono::duration<double>(now - last_).count();
    std::fprintf(stderr, "\r%.0f s of %s: %llu calls, %.0f/s, %llu errors ",
                 std::chrono::duration<double>(now - start_).count(),
                 seconds_text(options_.duration).c_str(), static_cast<unsigned long long>(calls),
                 rate, static_cast<unsigned long long>(counts_.failed_count()));
    std::fflush(stderr);
    shown_ = true;
    last_ = now;
    last_calls_ = calls;
  }

  void finish() {
    if (shown_)
      std::fputs("\n", stderr);
  }

private:
  bool on_;
  const bench_options& options_;
  const tally& counts_;
  steady::time_point start_;
  steady::time_point last_;
  std::uint64_t last_calls_ = 0;
  bool shown_ = false;
};

/// Raises the soft limit of open files, as far as the hard one allows, when
/// `needed` are more: over HTTP each call in flight has a connection of its
/// own, and the common default of 1024 is too few for --concurrency 2000.
/// Returns the limit now.
rlim_t allow_open_files(rlim_t needed) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
    return needed; // let connecting tell
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= needed)
    return limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? needed : std::min(needed, limit.rlim_max);
  return ::setrlimit(RLIMIT_NOFILE, &limit) == 0 ? limit.rlim_cur : 0;
}

} // namespace

bool bench_options::is_flag(const std::string& name) {
  return name == "json";
}

bool bench_options::set(const std::string& name, const std::string& value) {
  if (name == "json") {
    json_output = true;
  } else if (name == "data") {
    auto parsed = json::parse(value, nullptr, false);
    if (parsed.is_discarded())
      throw bench_usage_error("--data takes JSON (a string is quoted: '\"text\"'), got '" + value
                              + "'");
    data = std::move(parsed);
  } else if (name == "concurrency") {
    bool digits = !value.empty() && value.size() <= 6
                  && value.find_first_not_of("0123456789") == std::string::npos;
    auto n = digits ? std::stoul(value) : 0;
    if (n < 1 || n > max_bench_concurrency)
      throw bench_usage_error("--concurrency takes 1 to " + std::to_string(max_bench_concurrency)
                              + " calls in flight, got '" + value + "'");
    concurrency = n;
  } else if (name == "duration") {
    double s = std::nan("");
    try {
      std::size_t used = 0;
      s = std::stod(value, &used);
      if (used != value.size())
        s = std::nan("");
    } catch (const std::exception&) {
    }
    if (!(s > 0 && s <= max_bench_duration.count()))
      throw bench_usage_error("--duration takes more than 0 and at most "
                              + std::to_string(max_bench_duration.count())
                              + " seconds (a day), got '" + value + "'");
    duration = std::chrono::milliseconds{static_cast<long long>(std::ceil(s * 1000))};
  } else if (name == "http") {
    try {
      http = parse_http_url(value);
    } catch (const std::invalid_argument& e) {
      throw bench_usage_error(e.what());
    }
    http_text = value;
  } else {
    return false;
  }
  return true;
}

int run_bench(const bench_options& o) {
  auto counts = std::make_unique<tally>();
  run_control control;
  std::optional<socket::socket_client> socket_client;
  std::optional<http_bench_client> http_client;
  try {
    if (o.http) {
      // The connections, and a few for Asio and the standard streams.
      auto needed = static_cast<rlim_t>(o.concurrency + 32);
      if (auto allowed = allow_open_files(needed); allowed < needed) {
        std::cerr << "actorserve-client: --concurrency " << o.concurrency << " over HTTP needs "
                  << needed << " open files, and this process may open " << allowed
                  << " (ulimit -n); lower --concurrency or raise the limit\n";
        return 2;
      }
      http_load_options h;
      h.connections = o.concurrency;
      h.connect_timeout = o.socket.connection_timeout;
      http_client.emplace(*o.http, h);
    } else {
      auto c = o.socket;
      if (c.num_connections == 0)
        c.num_connections = std::min<std::size_t>(o.concurrency, 4);
      c.backlog = o.concurrency;
      socket_client.emplace(c);
    }
  } catch (const socket::connection_error& e) {
    std::cerr << "actorserve-client: " << e.what() << "\n";
    return 3;
  } catch (const http_connect_error& e) {
    std::cerr << "actorserve-client: " << e.what() << "\n";
    return 3;
  } catch (const std::system_error& e) { // socket_client could not start its reader threads
    std::cerr << "actorserve-client: cannot start: " << e.what() << "\n";
    return 2;
  }

  std::function<void()> drive;
  if (http_client) {
    drive = [&] {
      auto body = o.data.is_null() ? std::string() : json_text(o.data);
      http_client->run(o.path, body, o.timeout, [&](const http_answer& answer) {
        if (answer.unreachable) {
          control.lose(answer.failure ? answer.failure->what() : "the service is gone");
          return false;
        }
        if (auto type = error_type_of(answer))
          counts->failed(std::move(*type));
        else
          counts->succeeded(answer.latency);
        return !control.stopping();
      });
    };
  } else {
    drive = [&] {
      std::vector<std::thread> lanes;
      try {
        for (std::size_t i = 0; i < o.concurrency; ++i)
          lanes.emplace_back(socket_lane, std::ref(*socket_client), std::cref(o),
                             std::ref(*counts), std::ref(control));
      } catch (const std::system_error& e) {
        control.cannot_start("cannot start thread " + std::to_string(lanes.size() + 1) + " of "
                             + std::to_string(o.concurrency) + ": " + e.what()
                             + " (lower --concurrency)");
      }
      for (auto& lane : lanes)
        lane.join();
    };
  }

  interrupt_handler on_ctrl_c;
  auto start = steady::now();
  auto deadline = start + o.duration;
  progress_line progress(o, *counts, start);
  std::thread driver(drive);
  for (;;) {
    auto now = steady::now();
    progress.maybe_show(now);
    if (now >= deadline || control.stopping() || interrupted)
      break;
    control.wait_until(std::min({deadline, progress.next(), now + std::chrono::milliseconds{200}}));
  }
  bool was_interrupted = interrupted && !control.stopping();
  // The calls in flight now are waited for (each for at most --timeout)
  // and counted: the run ends when the last of them does.
  control.stop();
  driver.join();
  auto elapsed = steady::now() - start;
  progress.finish();
  if (socket_client)
    socket_client->close(std::chrono::milliseconds{0}); // only timed-out calls are left

  if (auto why = control.not_started()) {
    std::cerr << "actorserve-client: " << *why << "\n";
    return 2;
  }
  auto lost = control.lost();
  auto s = summarize(o, *counts, elapsed,
                     lost ? "connection lost" : was_interrupted ? "interrupted" : "duration");
  if (o.json_output)
    print_json(o, s);
  else
    print_human(o, s);
  std::cout.flush();
  if (lost) {
    std::cerr << "actorserve-client: stopped after " << fixed(s.elapsed_s, 1)
              << " s: " << *lost << "\n";
    return 3;
  }
  return 0;
}

} // namespace actorserve::client
