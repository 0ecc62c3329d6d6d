// A C++ peer on a pipe pair, for the interop tests with Python's
// multiprocessing.connection.
//   pipe_peer echo-server PATH COUNT   echo COUNT messages back, then exit
//   pipe_peer client PATH              send "", 100 MiB, a JSON value; then
//                                      print what comes back, one line each
//   pipe_peer pickle-echo-server PATH COUNT
//                                      recv() COUNT values (JSON or pickle) and
//                                      send each back in pickle; an error is
//                                      sent back as its message, in pickle
#include <iostream>
#include <string>

#include "gateways/fifo/pipe_connection.hpp"

using namespace actorserve;

std::string big_message() {
  std::string big(100 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<char>(i % 251);
  return big;
}

int main(int argc, char** argv) {
  std::string mode = argc > 2 ? argv[1] : "";
  if (mode == "echo-server" && argc == 4) {
    pipe::server s(argv[2], /*keep_files=*/true);
    std::cout << "ready" << std::endl;
    for (int i = 0, n = std::stoi(argv[3]); i < n; ++i)
      s.send_bytes(s.recv_bytes(std::nullopt, std::chrono::seconds{30}));
    return 0;
  }
  if (mode == "client" && argc == 3) {
    pipe::client c(argv[2], /*keep_files=*/true);
    c.send_bytes("");
    c.send_bytes(big_message());
    c.send(json{{"from", "c++"}, {"n", 3}});
    auto empty = c.recv_bytes(std::nullopt, std::chrono::seconds{30});
    auto big = c.recv_bytes(std::nullopt, std::chrono::seconds{30});
    auto value = c.recv(std::chrono::seconds{30});
    std::cout << "empty " << empty.size() << "\n"
              << "big " << (big == big_message() ? "intact" : "corrupt") << " " << big.size()
              << "\n"
              << "json " << value.dump() << std::endl;
    return 0;
  }
  if (mode == "pickle-echo-server" && argc == 4) {
    pipe::server s(argv[2], /*keep_files=*/true);
    s.set_encoding(pipe::message_encoding::pickle);
    std::cout << "ready" << std::endl;
    for (int i = 0, n = std::stoi(argv[3]); i < n; ++i) {
      try {
        s.send(s.recv(std::chrono::seconds{30}));
      } catch (const pipe::pipe_error& e) {
        s.send(json(std::string("error: ") + e.what()));
      }
    }
    return 0;
  }
  std::cerr << "usage: pipe_peer echo-server PATH COUNT | client PATH"
               " | pickle-echo-server PATH COUNT\n";
  return 2;
}
