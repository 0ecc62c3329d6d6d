#pragma once

#include <memory>
#include <string>

#include "gateways/http/server_options.hpp"

namespace actorserve {
class node;
} // namespace actorserve

namespace actorserve::http {

/// The HTTP gateway on a node: method + path select a route, the JSON body
/// is its input, the value comes back as JSON (or as the route's explicit
/// response), errors map to statuses (docs/http.md). Takes part in the
/// node's shutdown broadcast.
class http_server {
public:
  /// Binds, listens and serves; throws std::runtime_error naming the
  /// address when it cannot.
  http_server(node& n, const server_options& options);

  ~http_server();

  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// "host:port" with the real port.
  std::string endpoint() const;

  class impl;

private:
  std::shared_ptr<impl> impl_;
};

} // namespace actorserve::http
