#include "gateways/http/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <stdexcept>

#include "actors/error_type.hpp"
#include "actors/gateway.hpp"
#include "actors/json_depth.hpp"
#include "actors/log.hpp"
#include "actors/node.hpp"
#include "actors/private_file.hpp"
#include "gateways/client_timeout.hpp"
#include "gateways/http/error_status.hpp"
#include "gateways/http/ascii_case.hpp"
#include "gateways/http/http_listener.hpp"

namespace actorserve::http {

namespace {

http_response json_response(unsigned status, const json& body) {
  http_response r;
  r.status = status;
  r.body = json_text(body);
  if (status == 503)
    r.headers.emplace_back("Retry-After", "1");
  return r;
}

http_response error_response(const std::string& type, const std::string& message) {
  return json_response(error_status(type), json{{"error", error_body(type, message)}});
}

/// A route's reply as HTTP: its explicit response, its value as JSON, or
/// its error with the status the error type maps to.
http_response to_http(reply&& r) {
  if (!r.ok())
    return error_response(r.error_type(), r.error_message());
  auto& meta = r.meta();
  if (meta.is_object() && meta.contains("http") && meta["http"].is_object()) {
    auto& h = meta["http"];
    http_response out;
    auto& status = h.contains("status") ? h["status"] : json(200);
    if (!status.is_number_unsigned() || status.get<unsigned>() < 200
        || status.get<unsigned>() > 999)
      return error_response("BadResponse", "the route answered an HTTP status that is not "
                                           "a number from 200 to 999: " + json_text(status));
    out.status = status.get<unsigned>();
    if (h.contains("content_type") && h["content_type"].is_string())
      out.content_type = h["content_type"].get<std::string>();
    else
      out.content_type = "text/plain; charset=utf-8";
    if (h.contains("headers") && h["headers"].is_object())
      for (auto& [name, value] : h["headers"].items())
        out.headers.emplace_back(name, value.is_string() ? value.get<std::string>() : json_text(value));
    auto& v = r.value();
    out.body = v.is_string() ? v.get<std::string>() : json_text(v);
    return out;
  }
  if (r.value().is_binary()) {
    http_response out;
    out.content_type = "application/octet-stream";
    auto& bytes = r.value().get_binary();
    out.body.assign(bytes.begin(), bytes.end());
    return out;
  }
  return json_response(200, r.value());
}

} // namespace

class http_server::impl {
public:
  impl(node& n, const server_options& options) : node_(n), options_(options) {
  }

  void handle(http_request&& req, responder respond);
  void serve_metrics(responder respond);
  http_response health() const;

  node& node_;
  server_options options_;
  std::atomic<bool> draining_{false};
  // Shared: the shutdown hooks run on an actor's thread and may still hold
  // it while the server is destroyed.
  std::shared_ptr<http_listener> listener_;
  gateway_metrics metrics_;
  std::mutex log_mutex_;
  std::ofstream log_file_;
};

// 200 while serving; 503 while draining, when no worker is ready to take a
// call, or when a worker slot has failed for good (too many restarts): a
// load balancer should look elsewhere.
http_response http_server::impl::health() const {
  if (draining_)
    return json_response(503, json{{"status", "draining"}});
  if (!node_.has_workers())
    return json_response(200, json{{"status", "serving"}});
  auto workers = node_.workers();
  json body{{"status", health_of(workers)}, {"workers", json::array()}};
  for (auto& w : workers)
    body["workers"].push_back(to_json(w));
  return json_response(body["status"] == "serving" ? 200 : 503, body);
}

/// Whether `req` carries the stop token (constant time; the scheme's case
/// is free, as HTTP has it).
bool has_stop_token(const http_request& req, const std::string& token) {
  for (auto& [name, value] : req.headers) {
    if (!iequals_ascii(name, "authorization"))
      continue;
    constexpr std::string_view scheme = "bearer ";
    return value.size() > scheme.size() && iequals_ascii(std::string_view(value).substr(0, scheme.size()), scheme)
           && same_secret(std::string_view(value).substr(scheme.size()), token);
  }
  return false;
}

void http_server::impl::serve_metrics(responder respond) {
  // Gathering the workers' figures takes a round trip: the I/O thread goes
  // on meanwhile.
  node_.collect_metrics([respond = std::move(respond)](std::string text) {
    respond([text = std::move(text)]() mutable {
      http_response r;
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      r.body = std::move(text);
      return r;
    });
  });
}

/// The answer to a method the path does not take.
http_response not_allowed(const http_request& req, const std::string& allow) {
  auto r = error_response(error_type::method_not_allowed,
                          req.method + " " + req.path + " is not allowed; use " + allow);
  r.headers.emplace_back("Allow", allow);
  return r;
}

void http_server::impl::handle(http_request&& req, responder respond) {
  metrics_.request();
  if (auto why = refusal(req, options_.guard, options_.host))
    return respond(made(error_response(error_type::forbidden, *why)));
  auto& path = req.path;
  bool get = req.method == "GET" || req.method == "HEAD";
  if (!options_.metrics_path.empty() && path == options_.metrics_path && node_.metrics()) {
    if (!get)
      return respond(made(not_allowed(req, "GET, HEAD")));
    return serve_metrics(std::move(respond));
  }
  if (!options_.debug_calls_path.empty() && path == options_.debug_calls_path) {
    if (!get)
      return respond(made(not_allowed(req, "GET, HEAD")));
    // What every call carries is for this machine's operators: a client
    // elsewhere needs the stop token.
    if (!is_loopback_peer(req.peer)
        && (options_.stop_token.empty() || !has_stop_token(req, options_.stop_token)))
      return respond(made(error_response(
        error_type::forbidden, "GET " + path + " is served to loopback clients, and to others "
                               "with the stop token ('Authorization: Bearer <token>')")));
    return node_.debug_calls([respond = std::move(respond)](json calls) {
      respond([calls = std::move(calls)]() { return json_response(200, calls); });
    });
  }
  if (!options_.health_path.empty() && path == options_.health_path) {
    if (!get)
      return respond(made(not_allowed(req, "GET, HEAD")));
    return respond(made(health()));
  }
  if (!options_.stop_path.empty() && path == options_.stop_path) {
    if (req.method != "POST")
      return respond(made(not_allowed(req, "POST")));
    if (!options_.stop_token.empty() && !has_stop_token(req, options_.stop_token))
      return respond(made(error_response(error_type::forbidden,
                                         "POST " + path + " needs the stop token: send "
                                         "'Authorization: Bearer <token>'")));
    respond(made(json_response(200, json{{"status", "stopping"}})));
    node_.shutdown(); // the response above is written before the drain ends
    return;
  }
  auto settings = options_.serve_routes ? node_.route_settings(path) : nullptr;
  if (settings == nullptr)
    return respond(made(error_response(error_type::not_found, "no route " + path)));
  auto& methods = settings->methods;
  auto allowed = [&](const std::string& m) {
    return std::find(methods.begin(), methods.end(), m) != methods.end();
  };
  if (!allowed(req.method) && !(req.method == "HEAD" && allowed("GET"))) {
    std::string allow;
    for (auto& m : methods)
      allow += (allow.empty() ? "" : ", ") + m;
    if (allowed("GET") && !allowed("HEAD"))
      allow += ", HEAD";
    auto r = error_response(error_type::method_not_allowed,
                            req.method + " " + path + " is not allowed; allowed: " + allow);
    r.headers.emplace_back("Allow", allow);
    return respond(made(std::move(r)));
  }
  client_timeout asked;
  for (auto& [name, value] : req.headers)
    if (iequals_ascii(name, "x-request-timeout"))
      asked = parse_client_timeout(value);
  if (!asked.error.empty())
    return respond(made(error_response(error_type::bad_request,
                                       "X-Request-Timeout: " + asked.error)));
  json input = nullptr;
  if (req.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    if (json_text_depth(req.body, options_.max_depth) > options_.max_depth)
      return respond(made(error_response(
        error_type::bad_request, too_deep_message("the request body", options_.max_depth))));
    input = json::parse(req.body, nullptr, false);
    if (input.is_discarded())
      return respond(
        made(error_response(error_type::bad_request, "the request body is not valid JSON")));
  }
  json meta;
  if (settings->request_details) {
    json headers = json::object();
    for (auto& [name, value] : req.headers)
      headers[ascii_lowered(name)] = value;
    meta = json{{"method", req.method}, {"target", req.target}, {"path", req.path},
                {"query", req.query}, {"headers", std::move(headers)}, {"peer", req.peer}};
  }
  call c{path, std::move(input), node_.deadline_after(call_time(options_.call_timeout, asked)), 0,
         std::move(meta)};
  c.cancel = std::move(req.cancel);
  c.request_id = std::move(req.request_id);
  // A non-blocking route runs on this I/O thread, with no hand-over to a
  // scheduler thread and back.
  node_.call_async(
    std::move(c),
    [respond = std::move(respond)](reply r) {
      // Only handed over here: the I/O thread turns it into a response.
      respond([r = std::move(r)]() mutable { return to_http(std::move(r)); });
    },
    node::run_on::calling_thread);
}

http_server::http_server(node& n, const server_options& options) {
  options.check();
  impl_ = std::make_shared<impl>(n, options);
  impl_->metrics_ = gateway_metrics_of(n, options.gateway_name);
  listener_options lo;
  lo.host = options.host;
  lo.port = options.port;
  lo.backlog = options.backlog;
  lo.limits = options.limits;
  lo.threads = options.threads;
  lo.connections = impl_->metrics_.connections;
  if (options.access_log) {
    if (!options.access_log_path.empty()) {
      impl_->log_file_.open(options.access_log_path, std::ios::app);
      if (!impl_->log_file_)
        throw std::runtime_error("cannot open the access log " + options.access_log_path);
    }
    std::weak_ptr<impl> weak = impl_;
    lo.access_log = [weak, as_json = options.access_log_json](const access_entry& e) {
      auto self = weak.lock();
      if (!self)
        return;
      auto line = as_json ? json_log_line(e) : common_log_line(e);
      std::lock_guard<std::mutex> guard{self->log_mutex_};
      if (self->log_file_.is_open())
        self->log_file_ << line << '\n' << std::flush;
      else
        std::fprintf(stdout, "%s\n", line.c_str()), std::fflush(stdout);
    };
  }
  std::weak_ptr<impl> weak = impl_;
  impl_->listener_ = std::make_shared<http_listener>(
    lo, [weak](http_request&& req, responder respond) {
      if (auto self = weak.lock())
        self->handle(std::move(req), std::move(respond));
      else
        respond(made(error_response(error_type::shutting_down, "the server is stopping")));
    });
  impl_->listener_->start();
  std::weak_ptr<http_listener> listener = impl_->listener_;
  join_gateway(n, gateway_hooks{
                    [weak, listener](std::function<void()> drained) {
                      auto self = weak.lock();
                      auto l = listener.lock();
                      if (self && l) {
                        self->draining_ = true;
                        l->begin_drain(std::move(drained));
                      } else {
                        drained(); // already gone: nothing of it is in flight
                      }
                    },
                    [listener] {
                      if (auto l = listener.lock())
                        l->stop();
                    },
                  });
}

http_server::~http_server() {
  // Stops and joins the I/O threads (here, or in a shutdown hook that still
  // holds the listener).
  auto listener = std::move(impl_->listener_);
  listener->stop();
}

std::string http_server::endpoint() const {
  return impl_->listener_->endpoint();
}

} // namespace actorserve::http
