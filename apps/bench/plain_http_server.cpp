// A benchmark-only HTTP server: the same listener as the HTTP gateway, but a
// handler that answers at once, without actors. POST /echo answers its
// body, GET /healthz {"status":"serving"}. Prints "ready http=HOST:PORT".
// Usage: actorserve-bench-plain-http [PORT]
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "gateways/http/http_listener.hpp"

using namespace actorserve::http;

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
    if (req.path == "/echo" && req.method == "POST")
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
