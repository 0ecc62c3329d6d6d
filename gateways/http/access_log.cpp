#include "gateways/http/access_log.hpp"

#include <cstdio>
#include <ctime>

#include "actors/json.hpp"
#include "actors/log.hpp"
#include "actors/utc_timestamp.hpp"
#include "gateways/http/http_message.hpp"

namespace actorserve::http {

namespace {

std::string protocol(unsigned version) {
  return "HTTP/" + std::to_string(version / 10) + "." + std::to_string(version % 10);
}

double milliseconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

} // namespace

std::string common_log_line(const access_entry& e) {
  auto secs = std::chrono::system_clock::to_time_t(e.time);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char stamp[40];
  std::strftime(stamp, sizeof stamp, "[%d/%b/%Y:%H:%M:%S +0000]", &utc);
  std::string request =
    e.method == "-" ? "-" : log::printable(e.method + " " + e.target + " " + protocol(e.version));
  char duration[48];
  std::snprintf(duration, sizeof duration, " duration_ms=%.3f", milliseconds(e.duration));
  auto host = peer_address(e.peer);
  return (host.empty() ? "-" : host) + " - - " + stamp + " \"" + request + "\" "
         + std::to_string(e.status) + " "
         + (e.body_bytes == 0 ? "-" : std::to_string(e.body_bytes))
         + " request_id=" + (e.request_id.empty() ? "-" : log::printable(e.request_id))
         + duration;
}

std::string json_log_line(const access_entry& e) {
  json entry{{"time", utc_timestamp(e.time)},
             {"remote", e.peer},
             {"method", e.method},
             {"target", e.target},
             {"protocol", protocol(e.version)},
             {"status", e.status},
             {"bytes", e.body_bytes},
             {"duration_ms", milliseconds(e.duration)},
             {"request_id", e.request_id}};
  // ASCII only; a target's bytes that are not UTF-8 are replaced, never
  // thrown on.
  return entry.dump(-1, ' ', true, json::error_handler_t::replace);
}

} // namespace actorserve::http
