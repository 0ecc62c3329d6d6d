#define CAF_SUITE metrics
#include <caf/test/unit_test.hpp>

#include "actors/metrics.hpp"

#include <string>

#include "actors/process_metrics.hpp"

using namespace actorserve;
using namespace actorserve::metrics;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

const family* find_family(const snapshot& s, const std::string& name) {
  for (auto& f : s)
    if (f.name == name)
      return &f;
  return nullptr;
}

} // namespace

CAF_TEST(counters and gauges render with HELP and TYPE and their labels) {
  registry r;
  r.counter_of("actorserve_calls_total", "Calls answered.", {{"route", "/a"}, {"outcome", "ok"}})
    .add(3);
  r.counter_of("actorserve_calls_total", "Calls answered.", {{"route", "/a"}, {"outcome", "ok"}})
    .add();
  r.gauge_of("actorserve_calls_in_flight", "In flight.", {{"route", "/a"}}).set(7);
  r.gauge_of("actorserve_calls_in_flight", "In flight.", {{"route", "/a"}}).add(-2);
  auto text = render(r.collect());
  CAF_CHECK(has_line(text, "# HELP actorserve_calls_total Calls answered."));
  CAF_CHECK(has_line(text, "# TYPE actorserve_calls_total counter"));
  CAF_CHECK(has_line(text, "actorserve_calls_total{route=\"/a\",outcome=\"ok\"} 4"));
  CAF_CHECK(has_line(text, "# TYPE actorserve_calls_in_flight gauge"));
  CAF_CHECK(has_line(text, "actorserve_calls_in_flight{route=\"/a\"} 5"));
}

CAF_TEST(a histogram exposes cumulative buckets and a count equal to the Inf bucket) {
  registry r;
  auto& h = r.histogram_of("d_seconds", "Durations.", {1000, 2000}, 1e-6, {{"route", "/x"}});
  h.observe(1000); // at a bound: counted in it
  h.observe(1001);
  h.observe(5000);
  auto text = render(r.collect());
  CAF_CHECK(has_line(text, "# TYPE d_seconds histogram"));
  CAF_CHECK(has_line(text, "d_seconds_bucket{route=\"/x\",le=\"0.001\"} 1"));
  CAF_CHECK(has_line(text, "d_seconds_bucket{route=\"/x\",le=\"0.002\"} 2"));
  CAF_CHECK(has_line(text, "d_seconds_bucket{route=\"/x\",le=\"+Inf\"} 3"));
  CAF_CHECK(has_line(text, "d_seconds_count{route=\"/x\"} 3"));
  CAF_CHECK(has_line(text, "d_seconds_sum{route=\"/x\"} 0.007001"));
}

CAF_TEST(label values and help are escaped) {
  registry r;
  r.counter_of("c_total", "a \\ help\nline", {{"k", "q\"uo\\te\nnl"}}).add();
  auto text = render(r.collect());
  CAF_CHECK(has_line(text, "# HELP c_total a \\\\ help\\nline"));
  CAF_CHECK(has_line(text, "c_total{k=\"q\\\"uo\\\\te\\nnl\"} 1"));
}

CAF_TEST(names the format refuses are refused) {
  registry r;
  CAF_CHECK(valid_metric_name("a:b_c9"));
  CAF_CHECK(!valid_metric_name("9a"));
  CAF_CHECK(!valid_metric_name("a-b"));
  CAF_CHECK(!valid_metric_name(""));
  CAF_CHECK(!valid_label_name("a:b"));
  auto bad_name = [&] {
    try {
      r.counter_of("bad-name", "x");
      return false;
    } catch (const std::invalid_argument&) {
      return true;
    }
  };
  CAF_CHECK(bad_name());
  r.gauge_of("g", "x");
  auto wrong_kind = [&] {
    try {
      r.counter_of("g", "x");
      return false;
    } catch (const std::invalid_argument&) {
      return true;
    }
  };
  CAF_CHECK(wrong_kind());
}

CAF_TEST(a family holds at most its limit of series and past it counts unexposed) {
  registry r;
  for (std::size_t i = 0; i < registry::max_series_per_family; ++i)
    r.counter_of("many_total", "x", {{"i", std::to_string(i)}}).add();
  auto& past = r.counter_of("many_total", "x", {{"i", "past"}});
  past.add();
  auto& again = r.counter_of("many_total", "x", {{"i", "past again"}});
  CAF_CHECK_EQUAL(&past, &again);
  auto s = r.collect();
  auto f = find_family(s, "many_total");
  CAF_REQUIRE(f != nullptr);
  auto n = f->samples.size();
  CAF_CHECK_EQUAL(n, registry::max_series_per_family);
}

CAF_TEST(a snapshot survives JSON and a worker label goes before le) {
  registry r;
  r.counter_of("c_total", "C.", {{"route", "/a"}}).add(2);
  r.histogram_of("h", "H.", {1}, 1.0).observe(1);
  auto s = snapshot_from_json(to_json(r.collect()));
  add_label(s, "worker", "2");
  auto text = render(s);
  CAF_CHECK(has_line(text, "c_total{route=\"/a\",worker=\"2\"} 2"));
  CAF_CHECK(has_line(text, "h_bucket{worker=\"2\",le=\"1\"} 1"));
  CAF_CHECK(has_line(text, "h_count{worker=\"2\"} 1"));
}

CAF_TEST(snapshot_from_json leaves out what does not fit the format) {
  auto j = json::parse(R"([
    {"name": "ok_total", "help": "h", "type": "counter",
     "samples": [["", [["a", "b"]], 1], ["", [["bad:label", "b"]], 2], ["_x", [], 3],
                 ["", [], "not a number"], ["", [["a", 5]], 4]]},
    {"name": "bad name", "help": "h", "type": "counter", "samples": [["", [], 1]]},
    {"name": "t", "help": "h", "type": "summary", "samples": [["", [], 1]]},
    "junk"])");
  auto s = snapshot_from_json(j);
  CAF_REQUIRE_EQUAL(s.size(), 1u);
  auto n = s[0].samples.size();
  CAF_CHECK_EQUAL(n, 1u);
  auto limited = snapshot_from_json(to_json(s), 0);
  auto none = limited.empty() ? 0u : limited[0].samples.size();
  CAF_CHECK_EQUAL(none, 0u);
  CAF_CHECK(snapshot_from_json(json::object()).empty());
}

CAF_TEST(merge joins the samples of families of one name) {
  snapshot a{family{"x", "X.", kind::gauge, {sample{"", {{"w", "1"}}, 1}}}};
  snapshot b{family{"x", "X.", kind::gauge, {sample{"", {{"w", "2"}}, 2}}},
             family{"y", "Y.", kind::counter, {}}};
  merge(a, std::move(b));
  CAF_REQUIRE_EQUAL(a.size(), 2u);
  auto n = a[0].samples.size();
  CAF_CHECK_EQUAL(n, 2u);
}

CAF_TEST(collectors add what is read at the moment of collection) {
  registry r;
  int calls = 0;
  r.add_collector([&](snapshot& s) {
    ++calls;
    s.push_back(family{"now", "N.", kind::gauge, {sample{"", {}, double(calls)}}});
  });
  r.collect();
  auto text = render(r.collect());
  CAF_CHECK(has_line(text, "now 2"));
}

CAF_TEST(process metrics read this process) {
  snapshot s;
  add_process_metrics(s);
  for (auto name : {"process_resident_memory_bytes", "process_cpu_seconds_total",
                    "process_open_fds", "process_start_time_seconds"}) {
    auto f = find_family(s, name);
    CAF_REQUIRE(f != nullptr);
    CAF_CHECK(!f->samples.empty() && f->samples[0].value >= 0);
  }
  auto start = find_family(s, "process_start_time_seconds")->samples[0].value;
  CAF_CHECK(start > 1.7e9); // since the epoch, in seconds: after 2023
  auto rss = find_family(s, "process_resident_memory_bytes")->samples[0].value;
  CAF_CHECK(rss > 1e6); // a process with CAF loaded holds more than a megabyte
}
