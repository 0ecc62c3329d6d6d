#include "actors/workers/worker_calls.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>

namespace actorserve {

namespace {

/// `from[key]` when it is a whole number, not below 0.
std::optional<std::uint64_t> count_of(const json& from, const char* key) {
  auto it = from.find(key);
  if (it == from.end() || !it->is_number_integer()
      || (!it->is_number_unsigned() && it->get<std::int64_t>() < 0))
    return std::nullopt;
  return it->get<std::uint64_t>();
}

/// `from[key]` into `to[key]` when it is a whole number, not below 0.
void copy_count(const json& from, json& to, const char* key) {
  if (auto n = count_of(from, key))
    to[key] = *n;
}

/// `from[key]` into `to[key]` when it is a number (seconds, may be below 0).
void copy_seconds(const json& from, json& to, const char* key) {
  auto it = from.find(key);
  if (it != from.end() && it->is_number())
    to[key] = *it;
}

/// A request id as gateways make them: a client's (HTTP, up to
/// max_request_id), or a connection's and a record's ("unix#3:r17",
/// "fifo#2:17"), all printable ASCII without spaces; or none ("").
bool is_listed_request_id(const std::string& id) {
  if (id.size() > max_listed_request_id)
    return false;
  for (unsigned char ch : id)
    if (ch <= 0x20 || ch >= 0x7f)
      return false;
  return true;
}

json one_call(const json& c, const std::string& path, const json& worker, const json& pid) {
  json out{{"route", path}};
  copy_count(c, out, "id");
  copy_count(c, out, "parent");
  copy_count(c, out, "depth");
  auto id = c.find("request_id");
  if (id != c.end() && id->is_string() && is_listed_request_id(id->get_ref<const std::string&>()))
    out["request_id"] = *id;
  auto state = c.find("state");
  if (state != c.end() && (*state == "running" || *state == "waiting"))
    out["state"] = *state;
  copy_seconds(c, out, "age_seconds");
  copy_seconds(c, out, "deadline_in_seconds");
  auto answered = c.find("answered");
  if (answered != c.end() && *answered == true)
    out["answered"] = true;
  copy_count(c, out, "batch");
  out["worker"] = worker;
  out["pid"] = pid;
  return out;
}

} // namespace

json worker_calls(const json& answer, const std::vector<std::string>& paths,
                  const json& worker, const json& pid, std::size_t max_calls) {
  json routes = json::array();
  if (!answer.is_array())
    return routes;
  std::set<std::string> taken;
  for (auto& route : answer) {
    if (!route.is_object())
      continue;
    auto path_it = route.find("route");
    if (path_it == route.end() || !path_it->is_string())
      continue;
    auto& path = path_it->get_ref<const std::string&>();
    if (std::find(paths.begin(), paths.end(), path) == paths.end() || !taken.insert(path).second)
      continue;
    json out{{"route", path}};
    copy_count(route, out, "capacity");
    copy_count(route, out, "in_flight");
    copy_count(route, out, "waiting");
    out["oldest_age_seconds"] = nullptr;
    copy_seconds(route, out, "oldest_age_seconds");
    json calls = json::array();
    auto not_listed = count_of(route, "calls_not_listed").value_or(0);
    auto theirs = route.find("calls");
    if (theirs != route.end() && theirs->is_array())
      for (auto& c : *theirs) {
        if (!c.is_object())
          continue;
        if (calls.size() == max_calls)
          not_listed += not_listed < std::numeric_limits<std::uint64_t>::max() ? 1 : 0;
        else
          calls.push_back(one_call(c, path, worker, pid));
      }
    out["calls"] = std::move(calls);
    out["calls_not_listed"] = not_listed;
    routes.push_back(std::move(out));
  }
  return routes;
}

} // namespace actorserve
