// Benchmark: the floor under any socket request on this machine. Two threads
// pass one byte back and forth over a Unix socket pair: each round trip is
// two thread hand-overs and nothing else.
//   BENCH unix_round_trip p50_us=... p99_us=... settings: ...
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

int main() {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0)
    return 1;
  std::thread echo([&] {
    char c;
    while (::read(pair[1], &c, 1) == 1)
      if (::write(pair[1], &c, 1) != 1)
        break;
  });
  constexpr int rounds = 20000;
  std::vector<double> lat;
  lat.reserve(rounds);
  char c = 'x';
  for (int i = 0; i < rounds; ++i) {
    auto start = std::chrono::steady_clock::now();
    if (::write(pair[0], &c, 1) != 1 || ::read(pair[0], &c, 1) != 1)
      return 1;
    lat.push_back(std::chrono::duration<double, std::micro>(
                    std::chrono::steady_clock::now() - start).count());
  }
  ::close(pair[0]);
  echo.join();
  std::sort(lat.begin(), lat.end());
  std::printf("BENCH unix_round_trip p50_us=%.1f p99_us=%.1f settings: rounds=%d "
              "threads=2 bytes=1 socketpair\n",
              lat[lat.size() / 2], lat[lat.size() * 99 / 100], rounds);
  return 0;
}
