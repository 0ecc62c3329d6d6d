#pragma once

// A request Beast parsed, as the HTTP gateway hands it on. Only the files
// that use Beast anyway include this: the listener, and the fuzzer that
// drives Beast's parser and this mapping together.
#include <iterator>
#include <string>
#include <utility>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "actors/request_id.hpp"
#include "gateways/http/http_message.hpp"

namespace actorserve::http {

inline http_request
to_http_request(boost::beast::http::request<boost::beast::http::string_body>&& req,
                std::string peer) {
  http_request request;
  request.method = std::string(req.method_string());
  request.target = std::string(req.target());
  auto q = request.target.find('?');
  request.path = request.target.substr(0, q);
  if (q != std::string::npos)
    request.query = request.target.substr(q + 1);
  request.version = req.version();
  request.headers.reserve(static_cast<std::size_t>(std::distance(req.begin(), req.end())));
  for (auto& field : req)
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  request.body = std::move(req.body());
  request.peer = std::move(peer);
  auto id = req["X-Request-Id"];
  request.request_id = acceptable_request_id({id.data(), id.size()}) ? std::string(id)
                                                                     : new_request_id();
  return request;
}

} // namespace actorserve::http
