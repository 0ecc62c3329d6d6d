#define CAF_SUITE service_notify
#include <caf/test/unit_test.hpp>

#include "actors/service_notify.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

using namespace actorserve;

namespace {

/// A datagram socket standing in for the service manager's, bound to a path
/// in a temporary directory or to an abstract name; both go at the end.
struct manager_socket {
  int fd = -1;
  std::string dir;
  std::string address; // as NOTIFY_SOCKET gives it

  /// A path of `path_length` characters when not 0.
  explicit manager_socket(bool abstract, std::size_t path_length = 0) {
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    CAF_REQUIRE(fd >= 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    socklen_t length = 0;
    if (abstract) {
      address = "@actorserve-notify-test-" + std::to_string(::getpid());
      std::memcpy(sa.sun_path + 1, address.data() + 1, address.size() - 1);
      length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size());
    } else {
      char name[] = "/tmp/actorserve-notify-XXXXXX";
      CAF_REQUIRE(::mkdtemp(name) != nullptr);
      dir = name;
      address = dir + "/notify";
      if (path_length > address.size())
        address = dir + "/" + std::string(path_length - dir.size() - 1, 'n');
      std::memcpy(sa.sun_path, address.data(), address.size());
      length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size() + 1);
    }
    CAF_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&sa), length) == 0);
  }

  ~manager_socket() {
    ::close(fd);
    if (!dir.empty()) {
      ::unlink(address.c_str());
      ::rmdir(dir.c_str());
    }
  }

  /// The next datagram, or "(none)" when none comes within a second.
  std::string receive() {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 1000) != 1)
      return "(none)";
    char buf[4096];
    auto n = ::recv(fd, buf, sizeof buf, 0);
    return n < 0 ? "(error)" : std::string(buf, static_cast<std::size_t>(n));
  }
};

/// What this process writes to stderr (the log) while it lives.
struct stderr_capture {
  int saved = ::dup(STDERR_FILENO);
  std::FILE* file = std::tmpfile();

  stderr_capture() {
    CAF_REQUIRE(saved >= 0 && file != nullptr);
    ::dup2(::fileno(file), STDERR_FILENO);
  }

  ~stderr_capture() {
    restore();
    std::fclose(file);
  }

  void restore() {
    if (saved >= 0) {
      ::dup2(saved, STDERR_FILENO);
      ::close(saved);
      saved = -1;
    }
  }

  std::string text() {
    restore();
    std::string out;
    std::rewind(file);
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, file)) > 0;)
      out.append(buf, n);
    return out;
  }
};

/// NOTIFY_SOCKET as `value` (unset if null), then taken.
void take(const char* value) {
  if (value != nullptr)
    ::setenv("NOTIFY_SOCKET", value, 1);
  else
    ::unsetenv("NOTIFY_SOCKET");
  take_notify_socket();
}

/// Leaves no socket behind for the suites that run after this one.
struct fixture {
  ~fixture() {
    take(nullptr);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(service_notify_tests, fixture)

CAF_TEST(a state reaches the socket a path names) {
  manager_socket manager{false};
  take(manager.address.c_str());
  CAF_CHECK(notify_service_manager("READY=1"));
  CAF_CHECK_EQUAL(manager.receive(), "READY=1");
  CAF_CHECK(notify_stopping());
  CAF_CHECK_EQUAL(manager.receive(), "STOPPING=1\nSTATUS=shutting down: draining calls in flight");
}

CAF_TEST(taking the socket removes it from the environment) {
  manager_socket manager{false};
  take(manager.address.c_str());
  CAF_CHECK_EQUAL(std::getenv("NOTIFY_SOCKET"), nullptr);
  // Still known to this process after it left the environment.
  CAF_CHECK(notify_service_manager("WATCHDOG=1"));
  CAF_CHECK_EQUAL(manager.receive(), "WATCHDOG=1");
}

CAF_TEST(ready names this process and its status on one line) {
  manager_socket manager{false};
  take(manager.address.c_str());
  CAF_CHECK(notify_ready("ready pid=1 http=127.0.0.1:8000\nEXTRA=1"));
  CAF_CHECK_EQUAL(manager.receive(), "READY=1\nMAINPID=" + std::to_string(::getpid())
                                       + "\nSTATUS=ready pid=1 http=127.0.0.1:8000 EXTRA=1");
}

CAF_TEST(an abstract socket is reached by its name after the at sign) {
  manager_socket manager{true};
  take(manager.address.c_str());
  CAF_CHECK(notify_service_manager("READY=1"));
  CAF_CHECK_EQUAL(manager.receive(), "READY=1");
}

CAF_TEST(without NOTIFY_SOCKET nothing is sent) {
  manager_socket manager{false};
  take(manager.address.c_str());
  take(nullptr); // taken again: the variable is gone, so is the socket
  CAF_CHECK(!notify_service_manager("READY=1"));
  CAF_CHECK(!notify_ready("ready"));
  CAF_CHECK(!notify_stopping());
  CAF_CHECK_EQUAL(manager.receive(), "(none)");
  take("");
  CAF_CHECK(!notify_service_manager("READY=1"));
}

CAF_TEST(a path as long as a Unix socket address holds is reached) {
  // 107 characters and the NUL: sun_path's 108 bytes.
  manager_socket manager{false, sizeof(sockaddr_un::sun_path) - 1};
  CAF_REQUIRE_EQUAL(manager.address.size(), sizeof(sockaddr_un::sun_path) - 1);
  take(manager.address.c_str());
  CAF_CHECK(notify_service_manager("READY=1"));
  CAF_CHECK_EQUAL(manager.receive(), "READY=1");
}

// The only test whose sends fail: the warning is logged once per process.
CAF_TEST(addresses that cannot be reached fail quietly with one warning) {
  stderr_capture log;
  // One byte more than sun_path holds with its NUL: refused before sending.
  manager_socket manager{false, sizeof(sockaddr_un::sun_path) - 1};
  auto too_long = manager.address + "x";
  take(too_long.c_str());
  CAF_CHECK(!notify_service_manager("READY=1"));
  auto too_long_abstract = "@" + std::string(sizeof(sockaddr_un::sun_path), 'x');
  take(too_long_abstract.c_str());
  CAF_CHECK(!notify_service_manager("READY=1"));
  take("relative/notify");
  CAF_CHECK(!notify_service_manager("READY=1"));
  std::string gone;
  {
    manager_socket closed{false};
    gone = closed.address;
  }
  take(gone.c_str());
  CAF_CHECK(!notify_service_manager("READY=1"));
  CAF_CHECK(!notify_stopping());
  CAF_CHECK_EQUAL(manager.receive(), "(none)");
  auto text = log.text();
  auto first = text.find("cannot notify the service manager: NOTIFY_SOCKET's path is 108 bytes");
  CAF_CHECK(first != std::string::npos);
  CAF_CHECK_EQUAL(text.find("cannot notify", first + 1), std::string::npos);
  CAF_MESSAGE("logged: " << text);
}

CAF_TEST_FIXTURE_SCOPE_END()
