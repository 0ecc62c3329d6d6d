// actorserve-client: scripts the socket gateway from a shell.
//
//   actorserve-client --unix PATH request ROUTE [JSON]
//   actorserve-client --host H --port P stream ROUTE [--return-x] [--return-exceptions] < inputs
//   actorserve-client --unix PATH shutdown
//   actorserve-client --unix PATH bench ROUTE --data JSON --concurrency N --duration S [--json]
//   actorserve-client --http http://127.0.0.1:8000 bench ROUTE ...
//
// Exit codes: 0 done; 1 the service answered an error (or a timeout);
// 2 a bad command line or input; 3 cannot connect. bench: 0 when it ran,
// whatever errors the service answered.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "actors/descriptor_limit.hpp"
#include "actors/error_type.hpp"
#include "actors/port_number.hpp"
#include "actors/private_file.hpp"
#include "apps/client/bench_command.hpp"
#include "gateways/socket/socket_client.hpp"

using namespace actorserve;
using namespace actorserve::socket;

namespace {

const char* usage =
  "Usage: actorserve-client (--unix PATH | [--host HOST] --port PORT) [OPTIONS] COMMAND\n"
  "       actorserve-client --http URL [OPTIONS] bench ROUTE\n"
  "\n"
  "Commands:\n"
  "  request ROUTE [JSON]  call ROUTE with JSON (default null); print the result as JSON\n"
  "  stream ROUTE          call ROUTE for each JSON line on stdin; print one JSON line\n"
  "                        per input, in input order\n"
  "  shutdown              ask the service to shut down (it finishes calls in flight)\n"
  "  bench ROUTE           keep --concurrency calls to ROUTE in flight for --duration;\n"
  "                        print calls/s, latency p50/p90/p99 and errors by type\n"
  "\n"
  "Options:\n"
  "  --unix PATH           the service's Unix socket\n"
  "  --host HOST           the service's TCP host (default 127.0.0.1)\n"
  "  --port PORT           the service's TCP port\n"
  "  --timeout SECONDS     how long to wait for each response, up to 604800 (default 60)\n"
  "  --connect-timeout SECONDS  how long to retry connecting, up to 604800 (default 10)\n"
  "  --connections N       connections to open, 1 to 1024 (default 1; stream: 4)\n"
  "  --shutdown-path PATH  shutdown: the service's shutdown path (default /shutdown)\n"
  "  --stop-token-file FILE  shutdown: send the service's stop token, read from FILE\n"
  "  --return-x            stream: print [input, result] per line\n"
  "  --return-exceptions   stream: print {\"error\": {\"type\", \"message\"}} for a failed\n"
  "                        input and go on; otherwise stop at the first error\n"
  "  --http URL            bench: the service's HTTP gateway (http://HOST:PORT), instead\n"
  "                        of the socket gateway; one connection per call in flight\n"
  "  --data JSON           bench: the data of every call (default null)\n"
  "  --concurrency N       bench: calls in flight at once, 1 to 10000 (default 1)\n"
  "  --duration SECONDS    bench: how long to start calls, up to 86400 (default 10)\n"
  "  --json                bench: print the summary as one JSON object\n"
  "\n"
  "Exit codes: 0 done, 1 the service answered an error, 2 bad usage or input,\n"
  "3 cannot connect. bench exits 0 when it ran, whatever errors the service\n"
  "answered (it counts them), and 3 when it lost the service.\n";

struct usage_failure {
  std::string message;
};

/// The longest --timeout and --connect-timeout: a week.
constexpr double max_seconds = 7 * 24 * 3600;

/// Seconds from 0 to max_seconds, to the millisecond above (0.0001 is 1 ms,
/// not 0).
std::chrono::milliseconds seconds_option(const std::string& name, const std::string& value) {
  try {
    size_t used = 0;
    double s = std::stod(value, &used);
    if (used == value.size() && s >= 0 && s <= max_seconds)
      // Up to the next millisecond, but 16.1 is 16100 ms, not 16101.
      return std::chrono::milliseconds(static_cast<long long>(std::ceil(s * 1000 - 1e-6)));
  } catch (const std::exception&) {
  }
  throw usage_failure{"--" + name + " takes 0 to " + std::to_string(static_cast<int>(max_seconds))
                      + " seconds, got '" + value + "'"};
}

std::string one_line(const json& value) {
  if (value.is_binary()) {
    // Bytes have no JSON form: print them as a list of numbers.
    json list = json::array();
    for (auto b : value.get_binary())
      list.push_back(b);
    return list.dump();
  }
  return json_text(value);
}

json error_object(const call_error& e) {
  return json{{"error", error_body(e.type(), e.what())}};
}

class progress {
public:
  progress() : on_(::isatty(STDERR_FILENO) == 1), start_(clock::now()), last_(start_) {
  }

  void count(bool failed) {
    ++done_;
    errors_ += failed ? 1 : 0;
    if (on_ && clock::now() - last_ > std::chrono::milliseconds(200))
      show();
  }

  void finish() {
    if (on_) {
      show();
      std::cerr << "\n";
    }
  }

private:
  using clock = std::chrono::steady_clock;

  void show() {
    last_ = clock::now();
    auto secs = std::chrono::duration<double>(last_ - start_).count();
    std::fprintf(stderr, "\r%llu done, %.0f/s, %llu errors ",
                 static_cast<unsigned long long>(done_), secs > 0 ? done_ / secs : 0.0,
                 static_cast<unsigned long long>(errors_));
  }

  bool on_;
  clock::time_point start_;
  clock::time_point last_;
  unsigned long long done_ = 0;
  unsigned long long errors_ = 0;
};

int run_stream(socket_client& client, const std::string& route, const stream_options& opts) {
  std::string line;
  std::size_t line_number = 0;
  progress shown;
  std::optional<std::string> bad_line;
  auto next = [&]() -> std::optional<json> {
    while (std::getline(std::cin, line)) {
      ++line_number;
      if (line.find_first_not_of(" \t\r") == std::string::npos)
        continue;
      auto x = json::parse(line, nullptr, false);
      if (x.is_discarded()) {
        bad_line = "line " + std::to_string(line_number) + " of the input is not JSON: " + line;
        return std::nullopt;
      }
      return x;
    }
    if (std::cin.bad() || std::ferror(stdin)) // not the end: it could not be read (a folder)
      bad_line = std::string("cannot read the input: ") + std::strerror(errno);
    return std::nullopt;
  };
  auto print = [&](stream_result&& r) {
    json out = r.error ? error_object(*r.error) : std::move(r.y);
    if (opts.return_x)
      out = json::array({std::move(r.x), std::move(out)});
    std::cout << one_line(out) << '\n';
    shown.count(r.error.has_value());
  };
  try {
    client.stream(route, next, print, opts);
  } catch (const call_error& e) {
    std::cout.flush();
    shown.finish();
    std::cerr << e.type() << ": " << e.what() << "\n";
    client.close(std::chrono::milliseconds{0}); // do not wait for the rest
    return 1;
  }
  std::cout.flush();
  shown.finish();
  if (bad_line) {
    std::cerr << *bad_line << "\n";
    return 2;
  }
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  // Each connection (--connections, bench's calls in flight) holds a
  // descriptor: the default soft limit of 1024 would stop short.
  raise_descriptor_limit();
  client_options copts;
  copts.num_connections = 0;
  copts.connection_timeout = std::chrono::seconds{10};
  stream_options sopts;
  std::chrono::milliseconds timeout{std::chrono::seconds{60}};
  std::vector<std::string> words;
  bool tcp = false;
  std::string shutdown_path = "/shutdown";
  std::string stop_token;
  client::bench_options bench;
  std::string bench_only; // a bench option given, for the message when the command is not bench
  try {
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i];
      if (arg == "--help" || arg == "-h") {
        std::cout << usage;
        return 0;
      }
      if (arg.rfind("--", 0) != 0 || arg == "--") {
        words.push_back(arg);
        continue;
      }
      auto eq = arg.find('=');
      auto name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      if (name == "return-x") {
        sopts.return_x = true;
        continue;
      }
      if (name == "return-exceptions") {
        sopts.return_exceptions = true;
        continue;
      }
      if (client::bench_options::is_flag(name)) {
        bench.set(name, "");
        bench_only = name;
        continue;
      }
      std::string value;
      if (eq != std::string::npos)
        value = arg.substr(eq + 1);
      else if (i + 1 < argc)
        value = argv[++i];
      else
        throw usage_failure{"--" + name + " needs a value"};
      if (name == "unix") {
        copts.path = value;
      } else if (name == "host") {
        copts.host = value;
        tcp = true;
      } else if (name == "port") {
        auto port = port_from_text(value);
        if (!port || *port == 0)
          throw usage_failure{"--port takes 1 to 65535, got '" + value + "'"};
        copts.port = *port;
        tcp = true;
      } else if (name == "timeout") {
        timeout = seconds_option(name, value);
        if (timeout.count() <= 0)
          throw usage_failure{"--timeout takes more than 0 seconds, up to 604800, got '" + value
                              + "'"};
      } else if (name == "shutdown-path") {
        shutdown_path = value;
      } else if (name == "stop-token-file") {
        stop_token = read_private_file(value, "stop token");
      } else if (name == "connect-timeout") {
        copts.connection_timeout = seconds_option(name, value);
      } else if (name == "connections") {
        // Digits only: std::stoul would take "-1" as the largest number.
        bool digits = !value.empty() && value.size() <= 4
                      && value.find_first_not_of("0123456789") == std::string::npos;
        copts.num_connections = digits ? std::stoul(value) : 0;
        if (copts.num_connections == 0 || copts.num_connections > max_client_connections)
          throw usage_failure{"--connections takes 1 to " + std::to_string(max_client_connections)
                              + ", got '" + value + "'"};
      } else if (bench.set(name, value)) {
        if (name != "http")
          bench_only = name;
      } else {
        throw usage_failure{"unknown option --" + name + " (see --help)"};
      }
    }
    int places = !copts.path.empty() + tcp + bench.http.has_value();
    if (places > 1)
      throw usage_failure{"say one place for the service, not more: --unix PATH, or --port PORT"
                          " (and --host), or for bench --http URL"};
    if (places == 0)
      throw usage_failure{"say where the service is: --unix PATH, or --port PORT (and --host),"
                          " or for bench --http URL"};
    if (tcp && copts.port == 0)
      throw usage_failure{"--host needs --port PORT"};
    if (words.empty())
      throw usage_failure{"say what to do: request, stream, shutdown or bench"};
    auto& command = words[0];
    bool ok_arity = (command == "request" && (words.size() == 2 || words.size() == 3))
                    || (command == "stream" && words.size() == 2)
                    || (command == "shutdown" && words.size() == 1)
                    || (command == "bench" && words.size() == 2);
    if (!ok_arity)
      throw usage_failure{"'" + command + "' is not a command, or has the wrong arguments"};
    if (command != "bench" && bench.http)
      throw usage_failure{"--http is for bench; request, stream and shutdown use the socket"
                          " gateway"};
    if (command != "bench" && !bench_only.empty())
      throw usage_failure{"--" + bench_only + " is an option of bench"};
    // An option of another command, given here, would be silently ignored.
    if (command != "stream" && (sopts.return_x || sopts.return_exceptions))
      throw usage_failure{std::string("--") + (sopts.return_x ? "return-x" : "return-exceptions")
                          + " is an option of stream"};
    if (command != "shutdown" && (shutdown_path != "/shutdown" || !stop_token.empty()))
      throw usage_failure{std::string("--")
                          + (stop_token.empty() ? "shutdown-path" : "stop-token-file")
                          + " is an option of shutdown"};
    if (command == "bench") {
      if (bench.http && copts.num_connections != 0)
        throw usage_failure{"--connections is for the socket gateway; over HTTP, bench opens"
                            " one connection per call in flight (--concurrency)"};
      bench.path = words[1];
      bench.timeout = timeout;
      bench.socket = copts;
      return client::run_bench(bench);
    }
    if (copts.num_connections == 0)
      copts.num_connections = command == "stream" ? 4 : 1;
    json data = nullptr;
    if (command == "request" && words.size() == 3) {
      data = json::parse(words[2], nullptr, false);
      if (data.is_discarded())
        throw usage_failure{"the request's data is not JSON: " + words[2]};
    }
    std::optional<socket_client> client;
    try {
      client.emplace(copts);
    } catch (const connection_error& e) {
      std::cerr << "actorserve-client: " << e.what() << "\n";
      return 3;
    }
    if (command == "stream") {
      sopts.response_timeout = timeout;
      return run_stream(*client, words[1], sopts);
    }
    try {
      auto path = command == "shutdown" ? shutdown_path : words[1];
      if (command == "shutdown" && !stop_token.empty())
        data = stop_token;
      auto result = client->request(path, data, std::nullopt, timeout);
      if (command == "request")
        std::cout << one_line(result) << "\n";
    } catch (const call_error& e) {
      std::cerr << e.type() << ": " << e.what() << "\n";
      client->close(std::chrono::milliseconds{0}); // do not wait for what timed out
      return 1;
    }
    return 0;
  } catch (const usage_failure& e) {
    std::cerr << "actorserve-client: " << e.message << "\n";
    return 2;
  } catch (const std::invalid_argument&) {
    std::cerr << "actorserve-client: a number option is not a number (see --help)\n";
    return 2;
  } catch (const std::out_of_range&) {
    std::cerr << "actorserve-client: a number option is out of range (see --help)\n";
    return 2;
  } catch (const client::bench_usage_error& e) {
    std::cerr << "actorserve-client: " << e.what() << "\n";
    return 2;
  } catch (const std::runtime_error& e) { // a stop token file it cannot use
    std::cerr << "actorserve-client: " << e.what() << "\n";
    return 2;
  }
}
