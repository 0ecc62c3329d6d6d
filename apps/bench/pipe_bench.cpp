// Benchmark: named pipes.
//   BENCH pipe_round_trip round_trips_per_s=... p50_us=... p99_us=... settings: ...
//     small JSON [/echo, ...] between this process (pipe::client) and a real
//     actorserve-example serving the FIFO gateway;
//   BENCH pipe_throughput send_bytes_mib_per_s=... raw_fifo_mib_per_s=... ratio=... settings: ...
//     1 MiB send_bytes messages to a receiving process, side by side (A B A B)
//     with raw 1 MiB write()s through a FIFO to a process that read()s them.
// Usage: actorserve-bench-pipe [EXAMPLE_BINARY [ROUNDS [SECONDS] [MESSAGES]]]
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "apps/bench/ready_process.hpp"
#include "gateways/fifo/pipe_connection.hpp"


using namespace actorserve;
using steady = std::chrono::steady_clock;
constexpr std::size_t mib = 1024 * 1024;

namespace {

pid_t start_example(const std::string& binary, const std::string& fifo) {
  return bench::start_ready({binary, "--fifo-path=" + fifo}).pid;
}

struct latency {
  double per_s, p50_us, p99_us;
};

latency round_trips(pipe::client& c, double seconds) {
  std::vector<double> lat;
  const std::string request = R"(["/echo",{"id":7,"name":"abc"}])";
  auto start = steady::now();
  auto until = start + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(seconds));
  while (steady::now() < until) {
    auto t = steady::now();
    c.send_bytes(request);
    auto reply = c.recv_bytes();
    if (reply.rfind(R"({"ok":)", 0) != 0)
      throw std::runtime_error("unexpected reply " + reply);
    lat.push_back(std::chrono::duration<double, std::micro>(steady::now() - t).count());
  }
  auto secs = std::chrono::duration<double>(steady::now() - start).count();
  std::sort(lat.begin(), lat.end());
  return {lat.size() / secs, lat[lat.size() / 2], lat[static_cast<std::size_t>(0.99 * (lat.size() - 1))]};
}

/// Round trips per second with `window` requests in flight: a thread sends,
/// this one receives (replies come in order).
double windowed_round_trips(pipe::client& c, int total, int window) {
  const std::string request = R"(["/echo",{"id":7,"name":"abc"}])";
  std::mutex m;
  std::condition_variable cv;
  int sent = 0, received = 0;
  auto start = steady::now();
  std::thread sender([&] {
    for (int i = 0; i < total; ++i) {
      std::unique_lock<std::mutex> guard{m};
      cv.wait(guard, [&] { return sent - received < window; });
      ++sent;
      guard.unlock();
      c.send_bytes(request);
    }
  });
  for (int i = 0; i < total; ++i) {
    c.recv_bytes();
    std::lock_guard<std::mutex> guard{m};
    ++received;
    cv.notify_one();
  }
  sender.join();
  return total / std::chrono::duration<double>(steady::now() - start).count();
}

/// MiB/s of `messages` 1 MiB messages to a forked receiver.
double send_bytes_throughput(const std::string& path, int messages) {
  std::filesystem::remove(path + ".1");
  std::filesystem::remove(path + ".2");
  pid_t child = ::fork();
  if (child == 0) {
    pipe::server s(path, true);
    std::vector<char> buf(mib);
    for (int i = 0; i < messages; ++i)
      s.recv_bytes_into(buf);
    s.send_bytes("done");
    ::_exit(0);
  }
  pipe::client c(path, true);
  std::string payload(mib, 'x');
  auto start = steady::now();
  for (int i = 0; i < messages; ++i)
    c.send_bytes(payload);
  c.recv_bytes(); // the receiver has read them all
  auto secs = std::chrono::duration<double>(steady::now() - start).count();
  ::waitpid(child, nullptr, 0);
  return messages / secs;
}

/// MiB/s of raw 1 MiB write()s through a FIFO to a forked reader.
double raw_fifo_throughput(const std::string& path, int messages) {
  std::filesystem::remove(path);
  ::mkfifo(path.c_str(), 0600);
  pid_t child = ::fork();
  if (child == 0) {
    int fd = ::open(path.c_str(), O_RDONLY);
    std::vector<char> buf(mib);
    std::size_t total = 0;
    while (total < static_cast<std::size_t>(messages) * mib) {
      auto n = ::read(fd, buf.data(), buf.size());
      if (n <= 0)
        break;
      total += static_cast<std::size_t>(n);
    }
    ::_exit(0);
  }
  int fd = ::open(path.c_str(), O_WRONLY);
  std::string payload(mib, 'x');
  auto start = steady::now();
  for (int i = 0; i < messages; ++i) {
    std::size_t off = 0;
    while (off < mib)
      off += static_cast<std::size_t>(::write(fd, payload.data() + off, mib - off));
  }
  ::close(fd);
  ::waitpid(child, nullptr, 0); // the reader has read them all
  auto secs = std::chrono::duration<double>(steady::now() - start).count();
  std::filesystem::remove(path);
  return messages / secs;
}


} // namespace

int main(int argc, char** argv) {
  auto self_dir = std::filesystem::canonical("/proc/self/exe").parent_path();
  std::string binary = argc > 1 ? argv[1] : (self_dir / "../example/actorserve-example").string();
  int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  double seconds = argc > 3 ? std::atof(argv[3]) : 2.0;
  int messages = argc > 4 ? std::atoi(argv[4]) : 1000;
  char dir_template[] = "/tmp/actorserve-pipe-bench-XXXXXX";
  std::string dir = ::mkdtemp(dir_template);
  auto pid = start_example(binary, dir + "/svc");
  std::vector<double> rps, p50, p99, windowed, ours, raw;
  {
    pipe::client c(dir + "/svc");
    for (int r = 0; r < rounds; ++r) {
      auto l = round_trips(c, seconds);
      rps.push_back(l.per_s), p50.push_back(l.p50_us), p99.push_back(l.p99_us);
      windowed.push_back(windowed_round_trips(c, 200000, 64));
      ours.push_back(send_bytes_throughput(dir + "/bulk", messages));
      raw.push_back(raw_fifo_throughput(dir + "/raw", messages));
    }
    c.send_bytes(R"(["/shutdown",null])");
    c.recv_bytes();
  }
  ::waitpid(pid, nullptr, 0);
  std::filesystem::remove_all(dir);
  std::printf("BENCH pipe_round_trip round_trips_per_s=%.0f p50_us=%.1f p99_us=%.1f "
              "window64_round_trips_per_s=%.0f settings: client=pipe::client "
              "server=fifo_gateway route=/echo payload=31B seconds_per_round=%.1f "
              "window64_messages=200000 rounds=%d medians_of_rounds\n",
              bench::median(rps), bench::median(p50), bench::median(p99), bench::median(windowed), seconds, rounds);
  std::printf("BENCH pipe_throughput send_bytes_mib_per_s=%.0f raw_fifo_mib_per_s=%.0f ratio=%.2f "
              "settings: message=1MiB messages=%d processes=2 rounds=%d order=ABAB "
              "medians_of_rounds\n",
              bench::median(ours), bench::median(raw), bench::median(ours) / bench::median(raw), messages, rounds);
  return 0;
}
