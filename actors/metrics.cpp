#include "actors/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace actorserve::metrics {

histogram::histogram(std::vector<std::uint64_t> bounds, double scale)
  : bounds_(std::move(bounds)),
    scale_(scale),
    buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end()))
    throw std::invalid_argument("a histogram's bounds must ascend");
  for (std::size_t i = 0; i <= bounds_.size(); ++i)
    buckets_[i].store(0, std::memory_order_relaxed);
}

void histogram::observe(std::uint64_t units) noexcept {
  auto at = std::lower_bound(bounds_.begin(), bounds_.end(), units) - bounds_.begin();
  buckets_[at].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(units, std::memory_order_relaxed);
}

const std::vector<std::uint64_t>& duration_bounds() {
  static const std::vector<std::uint64_t> bounds = [] {
    std::vector<std::uint64_t> b;
    for (double s : {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                     0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0})
      b.push_back(static_cast<std::uint64_t>(std::llround(s * 1e9)));
    return b;
  }();
  return bounds;
}

const std::vector<std::uint64_t>& size_bounds() {
  static const std::vector<std::uint64_t> bounds{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
  return bounds;
}

namespace {

const char* type_name(kind k) {
  switch (k) {
    case kind::counter:
      return "counter";
    case kind::histogram:
      return "histogram";
    default:
      return "gauge";
  }
}

bool kind_of(const std::string& name, kind& out) {
  if (name == "counter")
    out = kind::counter;
  else if (name == "gauge")
    out = kind::gauge;
  else if (name == "histogram")
    out = kind::histogram;
  else
    return false;
  return true;
}

/// A label value or HELP text escaped as the format asks: backslash and
/// newline always, the double quote in label values.
std::string escaped(const std::string& text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quote)
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

/// Whole numbers as such (counts must read exactly); others with the
/// precision a double holds.
std::string number(double v) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    for (int precision = 15; precision <= 17; ++precision) { // the shortest that reads back
      std::snprintf(buf, sizeof buf, "%.*g", precision, v);
      if (std::strtod(buf, nullptr) == v)
        break;
    }
  return buf;
}

void write_labels(std::string& out, const labels& l) {
  if (l.empty())
    return;
  out += '{';
  bool first = true;
  for (auto& [name, value] : l) {
    if (!first)
      out += ',';
    first = false;
    out += name;
    out += "=\"";
    out += escaped(value, true);
    out += '"';
  }
  out += '}';
}

/// Units in what is exposed: dividing by 1e9 rounds nanoseconds to the
/// nearest double of their seconds, where multiplying by 1e-9 may miss it.
double scaled(std::uint64_t units, double scale) {
  return scale < 1 ? static_cast<double>(units) / std::round(1 / scale)
                   : static_cast<double>(units) * scale;
}

void add_histogram(family& f, const labels& l, const histogram& h) {
  std::uint64_t cumulative = 0;
  auto& bounds = h.bounds();
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    cumulative += h.bucket(i);
    auto with_le = l;
    with_le.emplace_back("le", i < bounds.size() ? number(scaled(bounds[i], h.scale())) : "+Inf");
    f.samples.push_back(sample{"_bucket", std::move(with_le), static_cast<double>(cumulative)});
  }
  f.samples.push_back(sample{"_sum", l, scaled(h.sum(), h.scale())});
  // The count is the +Inf bucket's, so that the two always agree.
  f.samples.push_back(sample{"_count", l, static_cast<double>(cumulative)});
}

} // namespace

bool valid_metric_name(const std::string& name) {
  if (name.empty() || name.size() > 200)
    return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    auto c = static_cast<unsigned char>(name[i]);
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!letter && !(i > 0 && c >= '0' && c <= '9'))
      return false;
  }
  return true;
}

bool valid_label_name(const std::string& name) {
  return valid_metric_name(name) && name.find(':') == std::string::npos;
}

std::string render(const snapshot& s) {
  std::string out;
  for (auto& f : s) {
    out += "# HELP " + f.name + ' ' + escaped(f.help, false) + '\n';
    out += "# TYPE " + f.name + ' ' + type_name(f.type) + '\n';
    for (auto& smp : f.samples) {
      out += f.name;
      out += smp.suffix;
      write_labels(out, smp.names);
      out += ' ';
      out += number(smp.value);
      out += '\n';
    }
  }
  return out;
}

void add_label(snapshot& s, const std::string& name, const std::string& value) {
  for (auto& f : s)
    for (auto& smp : f.samples) {
      // Before "le", which the format wants last in a bucket by custom.
      auto at = smp.names.end();
      if (!smp.names.empty() && smp.names.back().first == "le")
        --at;
      smp.names.insert(at, {name, value});
    }
}

void merge(snapshot& into, snapshot&& from) {
  for (auto& f : from) {
    auto it = std::find_if(into.begin(), into.end(),
                           [&](const family& g) { return g.name == f.name; });
    if (it == into.end()) {
      into.push_back(std::move(f));
      continue;
    }
    if (it->type != f.type)
      continue; // the same name for another kind: keep the first
    for (auto& smp : f.samples)
      it->samples.push_back(std::move(smp));
  }
}

json to_json(const snapshot& s) {
  auto out = json::array();
  for (auto& f : s) {
    auto samples = json::array();
    for (auto& smp : f.samples) {
      auto l = json::array();
      for (auto& [name, value] : smp.names)
        l.push_back(json::array({name, value}));
      samples.push_back(json::array({smp.suffix, std::move(l), smp.value}));
    }
    out.push_back(json{{"name", f.name}, {"help", f.help}, {"type", type_name(f.type)},
                       {"samples", std::move(samples)}});
  }
  return out;
}

snapshot snapshot_from_json(const json& j, std::size_t max_samples) {
  snapshot out;
  if (!j.is_array())
    return out;
  std::size_t taken = 0;
  auto text = [](const json& v, const char* key) -> std::string {
    auto it = v.find(key);
    return it != v.end() && it->is_string() ? it->get<std::string>() : std::string{};
  };
  for (auto& f : j) {
    if (!f.is_object())
      continue;
    family fam;
    fam.name = text(f, "name");
    fam.help = text(f, "help");
    if (!valid_metric_name(fam.name) || !kind_of(text(f, "type"), fam.type))
      continue;
    auto samples = f.find("samples");
    if (samples == f.end() || !samples->is_array())
      continue;
    for (auto& smp : *samples) {
      if (taken >= max_samples)
        break;
      if (!smp.is_array() || smp.size() != 3 || !smp[0].is_string() || !smp[1].is_array()
          || !smp[2].is_number())
        continue;
      auto suffix = smp[0].get<std::string>();
      if (suffix != "" && suffix != "_bucket" && suffix != "_sum" && suffix != "_count")
        continue;
      sample out_sample{suffix, {}, smp[2].get<double>()};
      bool fits = true;
      for (auto& pair : smp[1]) {
        if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()
            || !valid_label_name(pair[0].get<std::string>())) {
          fits = false;
          break;
        }
        out_sample.names.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
      }
      if (!fits)
        continue;
      fam.samples.push_back(std::move(out_sample));
      ++taken;
    }
    merge(out, snapshot{std::move(fam)});
  }
  return out;
}

registry::family_entry& registry::entry(const std::string& name, const std::string& help,
                                        kind type) {
  if (!valid_metric_name(name))
    throw std::invalid_argument("not a metric name: '" + name + "'");
  auto [it, added] = families_.try_emplace(name);
  if (added) {
    it->second.help = help;
    it->second.type = type;
  } else if (it->second.type != type) {
    throw std::invalid_argument("metric " + name + " is a " + type_name(it->second.type)
                                + ", not a " + type_name(type));
  }
  return it->second;
}

namespace {

/// The series of `l` in `series`, made by `make` if new; past the limit, the
/// family's spare series.
template <class T, class Make>
T& series_of(std::map<labels, std::unique_ptr<T>>& series, std::unique_ptr<T>& spare,
             const labels& l, Make make) {
  auto it = series.find(l);
  if (it != series.end())
    return *it->second;
  if (series.size() >= registry::max_series_per_family) {
    if (!spare)
      spare = make();
    return *spare;
  }
  return *series.emplace(l, make()).first->second;
}

} // namespace

counter& registry::counter_of(const std::string& name, const std::string& help,
                              const labels& l) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto& e = entry(name, help, kind::counter);
  return series_of(e.counters, e.spare_counter, l, [] { return std::make_unique<counter>(); });
}

gauge& registry::gauge_of(const std::string& name, const std::string& help, const labels& l) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto& e = entry(name, help, kind::gauge);
  return series_of(e.gauges, e.spare_gauge, l, [] { return std::make_unique<gauge>(); });
}

histogram& registry::histogram_of(const std::string& name, const std::string& help,
                                  const std::vector<std::uint64_t>& bounds, double scale,
                                  const labels& l) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto& e = entry(name, help, kind::histogram);
  // Every series of a family has the first one's buckets.
  auto& first = e.histograms.empty() ? bounds : e.histograms.begin()->second->bounds();
  auto first_scale = e.histograms.empty() ? scale : e.histograms.begin()->second->scale();
  return series_of(e.histograms, e.spare_histogram, l,
                   [&] { return std::make_unique<histogram>(first, first_scale); });
}

void registry::add_collector(std::function<void(snapshot&)> collector) {
  std::lock_guard<std::mutex> guard{mutex_};
  collectors_.push_back(std::move(collector));
}

snapshot registry::collect() const {
  snapshot out;
  std::vector<std::function<void(snapshot&)>> collectors;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    for (auto& [name, e] : families_) {
      family f{name, e.help, e.type, {}};
      for (auto& [l, c] : e.counters)
        f.samples.push_back(sample{"", l, static_cast<double>(c->value())});
      for (auto& [l, g] : e.gauges)
        f.samples.push_back(sample{"", l, static_cast<double>(g->value())});
      for (auto& [l, h] : e.histograms)
        add_histogram(f, l, *h);
      out.push_back(std::move(f));
    }
    collectors = collectors_;
  }
  // Outside the lock: a collector may read other state that takes time.
  for (auto& c : collectors) {
    snapshot extra;
    c(extra);
    merge(out, std::move(extra));
  }
  return out;
}

} // namespace actorserve::metrics
