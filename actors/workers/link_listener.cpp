#include "actors/workers/link_listener.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <list>
#include <stdexcept>
#include <vector>

#include "actors/log.hpp"
#include "actors/workers/link_proof.hpp"

namespace actorserve {

namespace {

using clock_type = std::chrono::steady_clock;

/// How long accepting pauses when the process is out of descriptors.
constexpr auto accept_backoff = std::chrono::milliseconds{200};

/// One connection on its way through the proof.
struct unproven {
  owned_fd fd;
  std::string peer;
  link_challenge challenge;
  std::string answer; // what arrived of the worker's answer
  clock_type::time_point deadline;
};

bool send_now(int fd, const std::string& data) {
  // A fresh connection's send buffer takes these few bytes at once; a peer
  // that keeps it full is not worth waiting for.
  auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  return n == static_cast<ssize_t>(data.size());
}

} // namespace

link_listener::link_listener(const std::string& host, std::uint16_t port, std::string secret,
                             admit_function admit, limits lim)
  : secret_{std::move(secret)},
    admit_{std::move(admit)},
    limits_{lim},
    listening_{listen_for_workers(host, port, 64)},
    wake_{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)} {
  if (!wake_)
    throw std::runtime_error(std::string{"cannot listen for workers: eventfd: "}
                             + std::strerror(errno));
  port_ = bound_port(listening_.get());
  thread_ = std::thread{[this] { run(); }};
}

link_listener::~link_listener() {
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_.get(), &one, sizeof one);
  thread_.join();
}

void link_listener::run() {
  std::list<unproven> waiting;
  clock_type::time_point accept_again{};
  std::vector<pollfd> fds;
  std::vector<std::list<unproven>::iterator> owners;
  auto drop = [&](std::list<unproven>::iterator it) {
    ++refused_;
    return waiting.erase(it);
  };
  for (;;) {
    auto now = clock_type::now();
    fds.clear();
    owners.clear();
    fds.push_back({wake_.get(), POLLIN, 0});
    // At the cap connections are still accepted, and closed at once below,
    // so that a peer learns at once; out of descriptors, accepting pauses.
    bool backing_off = now < accept_again;
    fds.push_back({listening_.get(), static_cast<short>(backing_off ? 0 : POLLIN), 0});
    auto next = now + std::chrono::seconds{1};
    if (backing_off && accept_again < next)
      next = accept_again;
    for (auto it = waiting.begin(); it != waiting.end(); ++it) {
      fds.push_back({it->fd.get(), POLLIN, 0});
      owners.push_back(it);
      if (it->deadline < next)
        next = it->deadline;
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count();
    int rc = ::poll(fds.data(), fds.size(), wait < 0 ? 0 : static_cast<int>(wait) + 1);
    if (rc < 0 && errno != EINTR)
      log::error(std::string{"the worker port stopped polling: "} + std::strerror(errno));
    if (fds[0].revents != 0)
      return; // the destructor: every unproven connection closes with `waiting`
    now = clock_type::now();
    for (std::size_t i = 0; i < owners.size(); ++i) {
      auto it = owners[i];
      auto events = fds[i + 2].revents;
      if (events == 0)
        continue;
      std::string& answer = it->answer;
      char buf[link_answer_size];
      auto n = ::recv(it->fd.get(), buf, link_answer_size - answer.size(), MSG_DONTWAIT);
      if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        continue;
      if (n <= 0) {
        drop(it);
        continue;
      }
      answer.append(buf, static_cast<std::size_t>(n));
      if (answer.size() < link_answer_size)
        continue;
      auto proof = it->challenge.check(answer);
      if (!proof) {
        log::warning("refused a connection to the worker port from " + it->peer
                     + ": it does not prove the shared secret");
        drop(it);
        continue;
      }
      if (!send_now(it->fd.get(), *proof)) {
        drop(it);
        continue;
      }
      ++admitted_;
      auto fd = std::move(it->fd);
      auto peer = std::move(it->peer);
      waiting.erase(it);
      try {
        admit_(std::move(fd), peer);
      } catch (const std::exception& e) {
        log::error("cannot link the worker from " + peer + ": " + e.what());
      }
    }
    for (auto it = waiting.begin(); it != waiting.end();)
      it = now >= it->deadline ? drop(it) : std::next(it);
    if ((fds[1].revents & POLLIN) == 0)
      continue;
    // Take what the backlog holds, up to the cap; past it, close at once.
    for (int taken = 0; taken < 64; ++taken) {
      owned_fd fd{::accept4(listening_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)};
      if (!fd) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
          accept_again = now + accept_backoff; // keep the connections it has
        break;
      }
      if (waiting.size() >= limits_.max_unproven) {
        ++refused_;
        continue; // closed here
      }
      link_challenge challenge{secret_};
      if (!send_now(fd.get(), challenge.greeting())) {
        ++refused_;
        continue;
      }
      auto peer = peer_address(fd.get());
      waiting.push_back(unproven{std::move(fd), std::move(peer), std::move(challenge), {},
                                 now + limits_.proof_timeout});
    }
  }
}

} // namespace actorserve
