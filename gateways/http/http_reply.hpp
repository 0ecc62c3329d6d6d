#pragma once

#include <string>
#include <utility>
#include <vector>

#include "actors/reply.hpp"

namespace actorserve::http {

/// An explicit HTTP response from a route: the status, the content type,
/// the body as it is, and extra headers. Other gateways see the body as the
/// value.
///
///     return http::response(201, "1", "text/plain");
inline reply response(unsigned status, std::string body,
                      std::string content_type = "text/plain; charset=utf-8",
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
  json h = json::object();
  for (auto& [name, value] : headers)
    h[name] = value;
  return reply{json(std::move(body))}.with_meta(
    json{{"http", {{"status", status}, {"content_type", std::move(content_type)}, {"headers", h}}}});
}

} // namespace actorserve::http
