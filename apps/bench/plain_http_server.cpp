// A benchmark-only HTTP server: the same listener as the HTTP gateway, but a
// handler that answers at once, without actors. POST /echo answers its
// body as it came, GET /healthz {"status":"serving"}, and POST /double
// does the JSON work the example's /double does over HTTP (the depth check,
// parsing, {"x":21} -> {"x":21,"y":42}, dumping). Prints
// "ready http=HOST:PORT".
// Usage: actorserve-bench-plain-http [PORT]
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "actors/json.hpp"
#include "actors/json_depth.hpp"
#include "gateways/http/http_listener.hpp"

using namespace actorserve::http;
using actorserve::json;

namespace {

http_response plain_double(const std::string& body) {
  http_response r;
  if (actorserve::json_text_depth(body, actorserve::default_max_depth)
      > actorserve::default_max_depth) {
    r.status = 400;
    r.body = R"({"error":{"type":"BadRequest","message":"too deep"}})";
    return r;
  }
  auto x = json::parse(body, nullptr, false);
  // Small integers only: the benchmark sends {"x":21}. One lookup of "x",
  // as the example's /double makes.
  auto it = x.is_object() ? x.find("x") : x.end();
  if (it == x.end() || !it->is_number_integer() || it->get<std::int64_t>() > (1 << 30)
      || it->get<std::int64_t>() < -(1 << 30)) {
    r.status = 400;
    r.body = R"({"error":{"type":"BadRequest","message":"send {\"x\": integer}"}})";
    return r;
  }
  x["y"] = 2 * it->get<std::int64_t>();
  r.body = actorserve::json_text(x);
  return r;
}

} // namespace

int main(int argc, char** argv) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr); // I/O threads inherit it
  listener_options options;
  options.port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 0);
  http_listener listener(options, [](http_request&& req, auto respond) {
    http_response r;
    if (req.path == "/double" && req.method == "POST")
      r = plain_double(req.body);
    else if (req.path == "/echo" && req.method == "POST")
      r.body = req.body.empty() ? "null" : std::move(req.body);
    else if (req.path == "/healthz")
      r.body = R"({"status":"serving"})";
    else
      r.status = 404, r.body = R"({"error":{"type":"NotFound","message":"no route"}})";
    respond(made(std::move(r)));
  });
  listener.start();
  std::printf("ready http=%s\n", listener.endpoint().c_str());
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  return 0;
}
