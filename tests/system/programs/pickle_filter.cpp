// The pickle codec as a filter, for the tests with Python's own pickle: it
// reads messages framed as multiprocessing.connection frames them (a 4-byte
// big-endian length, then the bytes) from stdin, decodes each with the safe
// subset and writes back, framed, the value encoded again, or the error as
// the pickled exception a socket client would get.
//   pickle_filter [MAX_DEPTH MAX_SIZE]
#include <cstdint>
#include <cstdio>
#include <string>

#include "actors/call_error.hpp"
#include "gateways/pickle/pickle_reader.hpp"
#include "gateways/pickle/pickle_writer.hpp"
#include "gateways/pickle/python_exception.hpp"

using namespace actorserve;

namespace {

bool read_exact(std::string& out, std::size_t n) {
  out.resize(n);
  return n == 0 || std::fread(out.data(), 1, n, stdin) == n;
}

void write_framed(const std::string& message) {
  std::uint32_t n = static_cast<std::uint32_t>(message.size());
  unsigned char header[4] = {static_cast<unsigned char>(n >> 24),
                             static_cast<unsigned char>(n >> 16),
                             static_cast<unsigned char>(n >> 8), static_cast<unsigned char>(n)};
  std::fwrite(header, 1, 4, stdout);
  std::fwrite(message.data(), 1, message.size(), stdout);
  std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
  pickle::read_limits limits;
  if (argc == 3) {
    limits.max_depth = std::stoul(argv[1]);
    limits.max_size = std::stoul(argv[2]);
  }
  std::string header, message;
  while (read_exact(header, 4)) {
    std::size_t n = 0;
    for (auto c : header)
      n = (n << 8) | static_cast<unsigned char>(c);
    if (!read_exact(message, n))
      return 1;
    try {
      write_framed(pickle::encode(pickle::decode(message, limits)));
    } catch (const call_error& e) {
      write_framed(pickle::encode_error(e.type(), e.what()));
    }
  }
  return 0;
}
