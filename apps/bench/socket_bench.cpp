// Benchmark: the socket gateway with the C++ client, over a Unix socket and
// over TCP, against a real actorserve-example process. Modes run interleaved
// for several rounds; medians are reported, one line per measure:
//   BENCH socket_stream unix_items_per_s=... tcp_items_per_s=... settings: ...
//   BENCH socket_request unix_requests_per_s=... unix_p50_us=... ... settings: ...
// The request line also holds the round-trip floor (round_trip_floor.hpp),
// measured in each round between the request modes, and each p50 over it.
//
// Usage: actorserve-bench-socket [EXAMPLE_BINARY [ROUNDS [STREAM_ITEMS [SECONDS]]]]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "apps/bench/ready_process.hpp"
#include "apps/bench/round_trip_floor.hpp"
#include "gateways/socket/socket_client.hpp"


using namespace actorserve;
using namespace actorserve::socket;
using steady = std::chrono::steady_clock;

namespace {

struct service {
  pid_t pid = -1;
  std::string unix_path;
  std::uint16_t tcp_port = 0;
};

service start_service(const std::string& binary, const std::string& dir) {
  service s;
  s.unix_path = dir + "/bench.sock";
  auto p = bench::start_ready({binary, "--socket-path=" + s.unix_path, "--socket-port=0"});
  s.pid = p.pid;
  auto tcp = bench::ready_field(p.ready_line, "socket-tcp");
  s.tcp_port = static_cast<std::uint16_t>(std::stoi(tcp.substr(tcp.rfind(':') + 1)));
  return s;
}

client_options unix_client(const service& s, std::size_t connections) {
  client_options o;
  o.path = s.unix_path;
  o.num_connections = connections;
  return o;
}

client_options tcp_client(const service& s, std::size_t connections) {
  client_options o;
  o.port = s.tcp_port;
  o.num_connections = connections;
  return o;
}

double stream_items_per_s(const client_options& where, int items) {
  socket_client client(where);
  int next = 0;
  long long sum = 0;
  auto start = steady::now();
  client.stream(
    "/double",
    [&]() -> std::optional<json> {
      if (next == items)
        return std::nullopt;
      return json(next++);
    },
    [&](stream_result&& r) { sum += r.y.get<long long>(); });
  auto secs = std::chrono::duration<double>(steady::now() - start).count();
  if (sum != static_cast<long long>(items) * (items - 1))
    throw std::runtime_error("stream answered wrong values");
  return items / secs;
}

struct latency {
  double per_s, p50_us, p99_us;
};

latency sequential_requests(const client_options& where, double seconds) {
  socket_client client(where);
  std::vector<double> lat;
  auto start = steady::now();
  auto until = start + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(seconds));
  while (steady::now() < until) {
    auto t = steady::now();
    client.request("/double", 21);
    lat.push_back(std::chrono::duration<double, std::micro>(steady::now() - t).count());
  }
  auto secs = std::chrono::duration<double>(steady::now() - start).count();
  std::sort(lat.begin(), lat.end());
  return {lat.size() / secs, lat[lat.size() / 2], lat[static_cast<size_t>(0.99 * (lat.size() - 1))]};
}


} // namespace

int main(int argc, char** argv) {
  auto self_dir = std::filesystem::canonical("/proc/self/exe").parent_path();
  std::string binary = argc > 1 ? argv[1] : (self_dir / "../example/actorserve-example").string();
  int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  int items = argc > 3 ? std::atoi(argv[3]) : 100000;
  double seconds = argc > 4 ? std::atof(argv[4]) : 2.0;
  char dir_template[] = "/tmp/actorserve-bench-XXXXXX";
  std::string dir = ::mkdtemp(dir_template);
  auto svc = start_service(binary, dir);
  int status = 1;
  try {
    std::vector<double> su, st, ru, rt, pu50, pt50, pu99, pt99, floor50, unix_over, tcp_over;
    for (int r = 0; r < rounds; ++r) {
      su.push_back(stream_items_per_s(unix_client(svc, 4), items));
      st.push_back(stream_items_per_s(tcp_client(svc, 4), items));
      auto u = sequential_requests(unix_client(svc, 1), seconds);
      auto pair_floor = bench::measure_round_trip_floor(20000);
      auto t = sequential_requests(tcp_client(svc, 1), seconds);
      floor50.push_back(pair_floor.p50_us);
      unix_over.push_back(u.p50_us / pair_floor.p50_us);
      tcp_over.push_back(t.p50_us / pair_floor.p50_us);
      ru.push_back(u.per_s), pu50.push_back(u.p50_us), pu99.push_back(u.p99_us);
      rt.push_back(t.per_s), pt50.push_back(t.p50_us), pt99.push_back(t.p99_us);
    }
    std::printf("BENCH socket_stream unix_items_per_s=%.0f tcp_items_per_s=%.0f "
                "settings: items=%d connections=4 backlog=1024 route=/double rounds=%d "
                "medians_of_rounds server=separate_process\n",
                bench::median(su), bench::median(st), items, rounds);
    std::printf("BENCH socket_request unix_requests_per_s=%.0f unix_p50_us=%.1f "
                "unix_p99_us=%.1f tcp_requests_per_s=%.0f tcp_p50_us=%.1f tcp_p99_us=%.1f "
                "floor_p50_us=%.1f unix_p50_over_floor=%.2f tcp_p50_over_floor=%.2f "
                "settings: sequential=1_in_flight seconds_per_mode=%.1f route=/double "
                "floor=socketpair_round_trip_20000_between_the_modes "
                "rounds=%d medians_of_rounds server=separate_process\n",
                bench::median(ru), bench::median(pu50), bench::median(pu99), bench::median(rt), bench::median(pt50),
                bench::median(pt99), bench::median(floor50), bench::median(unix_over),
                bench::median(tcp_over), seconds, rounds);
    std::fflush(stdout);
    socket_client(unix_client(svc, 1)).request("/shutdown");
    status = 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "benchmark failed: %s\n", e.what());
    ::kill(svc.pid, SIGTERM);
  }
  int ws = 0;
  ::waitpid(svc.pid, &ws, 0);
  std::filesystem::remove_all(dir);
  return status;
}
