#include "apps/bench/round_trip_floor.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

namespace actorserve::bench {

round_trip_floor measure_round_trip_floor(int rounds) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0)
    throw std::runtime_error("socketpair failed");
  std::thread echo([&] {
    char c;
    while (::read(pair[1], &c, 1) == 1)
      if (::write(pair[1], &c, 1) != 1)
        break;
  });
  std::vector<double> lat;
  lat.reserve(static_cast<std::size_t>(rounds));
  char c = 'x';
  bool failed = false;
  for (int i = 0; i < rounds && !failed; ++i) {
    auto start = std::chrono::steady_clock::now();
    failed = ::write(pair[0], &c, 1) != 1 || ::read(pair[0], &c, 1) != 1;
    lat.push_back(std::chrono::duration<double, std::micro>(
                    std::chrono::steady_clock::now() - start).count());
  }
  ::close(pair[0]); // the echo thread's read ends
  echo.join();
  ::close(pair[1]);
  if (failed || lat.empty())
    throw std::runtime_error("the socket pair round trip failed");
  std::sort(lat.begin(), lat.end());
  return {lat[lat.size() / 2], lat[lat.size() * 99 / 100]};
}

} // namespace actorserve::bench
