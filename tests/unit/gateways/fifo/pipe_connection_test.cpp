#define CAF_SUITE pipe_connection
#include <caf/test/unit_test.hpp>

#include "gateways/fifo/pipe_connection.hpp"
#include "tests/unit/throws.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

using namespace actorserve;
using namespace actorserve::pipe;
using actorserve::testing::throws;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct fixture {
  fs::path dir = fs::temp_directory_path() / ("pipe-test-" + std::to_string(::getpid()));
  std::string path = (dir / "sub" / "p").string();

  ~fixture() {
    fs::remove_all(dir);
  }

  static bool is_fifo(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISFIFO(st.st_mode);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(pipe_connection_tests, fixture)

CAF_TEST(messages go both ways whichever end comes first) {
  {
    server s(path);
    CAF_CHECK(is_fifo(path + ".1") && is_fifo(path + ".2"));
    client c(path);
    c.send_bytes("hello");
    CAF_CHECK_EQUAL(s.recv_bytes(), "hello");
    s.send(json{{"answer", 42}});
    CAF_CHECK_EQUAL(c.recv(), (json{{"answer", 42}}));
  }
  CAF_CHECK(!fs::exists(path + ".1")); // the creator removed them
  {
    client c(path); // the client first this time
    c.send_bytes("early"); // no reader yet: it waits in the pipe
    server s(path);
    CAF_CHECK_EQUAL(s.recv_bytes(), "early");
  }
}

CAF_TEST(empty and large messages keep their framing) {
  server s(path);
  client c(path);
  std::string big(1 << 20, 'x');
  big[12345] = 'y';
  std::thread sender([&] {
    c.send_bytes("");
    c.send_bytes(big);
    c.send_bytes("after");
  });
  CAF_CHECK_EQUAL(s.recv_bytes(), "");
  CAF_CHECK(s.recv_bytes() == big);
  CAF_CHECK_EQUAL(s.recv_bytes(), "after");
  sender.join();
}

CAF_TEST(offset and size select part of the buffer) {
  server s(path);
  client c(path);
  c.send_bytes("0123456789", 2, 3);
  c.send_bytes("0123456789", 7);
  CAF_CHECK_EQUAL(s.recv_bytes(), "234");
  CAF_CHECK_EQUAL(s.recv_bytes(), "789");
  CAF_CHECK(throws<std::out_of_range>([&] { c.send_bytes("abc", 4); }));
  CAF_CHECK(throws<std::out_of_range>([&] { c.send_bytes("abc", 1, 3); }));
}

CAF_TEST(a message past maxlength is an error and the next one reads fine) {
  server s(path);
  client c(path);
  c.send_bytes("too long for ten bytes");
  c.send_bytes("ok");
  try {
    s.recv_bytes(10);
    CAF_FAIL("no error");
  } catch (const message_too_long& e) {
    CAF_CHECK_EQUAL(e.length(), 22u);
    CAF_CHECK_EQUAL(std::string(e.what()),
                    "bad message length: 22 bytes, longer than the maxlength of 10");
  }
  CAF_CHECK_EQUAL(s.recv_bytes(10), "ok");
}

CAF_TEST(recv_bytes_into fills the buffer or carries the message) {
  server s(path);
  client c(path);
  c.send_bytes("abc");
  c.send_bytes("abcdef");
  std::vector<char> buf(8, '.');
  CAF_CHECK_EQUAL(s.recv_bytes_into(buf, 4), 3u);
  CAF_CHECK_EQUAL(std::string(buf.begin(), buf.end()), "....abc.");
  try {
    s.recv_bytes_into(buf, 4);
    CAF_FAIL("no error");
  } catch (const buffer_too_short& e) {
    CAF_CHECK_EQUAL(e.message(), "abcdef");
  }
  CAF_CHECK(throws<std::out_of_range>([&] { s.recv_bytes_into(buf, 9); }));
}

CAF_TEST(the peer closing is an end of stream) {
  server s(path);
  {
    client c(path);
    c.send_bytes("last");
  }
  CAF_CHECK_EQUAL(s.recv_bytes(), "last");
  try {
    s.recv_bytes(std::nullopt, 1s);
    CAF_FAIL("no error");
  } catch (const pipe_closed& e) {
    CAF_CHECK(!e.mid_message());
  }
  // A new peer is heard after await_next_peer.
  s.await_next_peer();
  client again(path);
  again.send_bytes("new peer");
  CAF_CHECK_EQUAL(s.recv_bytes(std::nullopt, 1s), "new peer");
}

CAF_TEST(a peer that never comes is a timeout) {
  server s(path);
  auto start = std::chrono::steady_clock::now();
  CAF_CHECK(throws<pipe_timeout>([&] { s.recv_bytes(std::nullopt, 100ms); }));
  CAF_CHECK_LESS(std::chrono::steady_clock::now() - start, 2s);
}

CAF_TEST(a file that is not a FIFO is refused by name) {
  fs::create_directories(dir / "sub");
  std::ofstream(path + ".1") << "plain file";
  try {
    server s(path);
    CAF_FAIL("no error");
  } catch (const not_a_fifo& e) {
    CAF_CHECK_EQUAL(std::string(e.what()), path + ".1 exists and is not a FIFO");
  }
}

CAF_TEST(a slow reader makes the writer wait and loses nothing) {
  server s(path);
  client c(path);
  constexpr int count = 200;
  std::string chunk(4096, 'z'); // 200 x 4 KiB: far more than a pipe holds
  std::thread writer([&] {
    for (int i = 0; i < count; ++i)
      c.send_bytes(std::to_string(i) + ":" + chunk);
  });
  std::this_thread::sleep_for(100ms); // the writer fills the pipe and waits
  for (int i = 0; i < count; ++i) {
    auto m = s.recv_bytes();
    CAF_REQUIRE_EQUAL(m.substr(0, m.find(':')), std::to_string(i));
  }
  writer.join();
}

CAF_TEST(interrupt frees a receive waiting for the rest of a message) {
  server srv{path};
  // A peer that sends the header of a 100-byte message, and stalls.
  int fd = ::open((path + ".1").c_str(), O_WRONLY | O_NONBLOCK);
  CAF_REQUIRE(fd >= 0);
  const char header[4] = {0, 0, 0, 100};
  CAF_REQUIRE_EQUAL(::write(fd, header, 4), 4);
  std::string what;
  auto started = std::chrono::steady_clock::now();
  std::thread reader([&] {
    try {
      srv.recv_bytes();
    } catch (const pipe_interrupted& e) {
      what = e.what();
    }
  });
  std::this_thread::sleep_for(200ms);
  srv.interrupt();
  reader.join();
  ::close(fd);
  CAF_CHECK(what.find("in the middle of a message") != std::string::npos);
  CAF_CHECK_LESS(std::chrono::steady_clock::now() - started, std::chrono::seconds{2});
  CAF_CHECK(throws<pipe_interrupted>([&] { srv.poll(1s); }));
}

CAF_TEST(after interrupt no receive hands out a message not even one read ahead) {
  server s(path);
  client c(path);
  c.send_bytes("one");
  c.send_bytes("two");
  CAF_CHECK_EQUAL(s.recv_bytes(), "one"); // "two" came along in the same read
  s.interrupt();
  CAF_CHECK(throws<pipe_interrupted>([&] { s.poll(0ms); }));
  CAF_CHECK(throws<pipe_interrupted>([&] { s.recv_bytes(); }));
}

CAF_TEST_FIXTURE_SCOPE_END()
