#include "actors/workers/link_listener.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <list>
#include <optional>
#include <stdexcept>
#include <vector>

#include "actors/log.hpp"
#include "actors/thread_name.hpp"
#include "actors/workers/link_proof.hpp"

namespace actorserve {

namespace {

using clock_type = std::chrono::steady_clock;

/// How long accepting (or polling) pauses when the process is out of
/// descriptors or memory.
constexpr auto pause_on_shortage = std::chrono::milliseconds{200};

/// At most one log line about refused connections this often; the rest are
/// counted into the next line.
constexpr auto refusal_log_interval = std::chrono::seconds{10};

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

/// Refused connections, logged so that a flood of them cannot flood the log.
class refusal_log {
public:
  void note(const std::string& peer, const std::string& why, clock_type::time_point now) {
    if (logged_ && now - last_ < refusal_log_interval) {
      ++held_back_;
      last_peer_ = peer;
      last_why_ = why;
      return;
    }
    write(peer, why, now);
  }

  /// Writes what was held back once the interval is over.
  void flush(clock_type::time_point now) {
    if (held_back_ > 0 && now - last_ >= refusal_log_interval) {
      --held_back_;
      write(last_peer_, last_why_, now);
    }
  }

private:
  void write(const std::string& peer, const std::string& why, clock_type::time_point now) {
    auto text = "refused a connection to the worker port from " + peer + ": " + why;
    if (held_back_ > 0)
      text += " (and " + std::to_string(held_back_) + " more since the last such line)";
    log::warning(text);
    held_back_ = 0;
    last_ = now;
    logged_ = true;
  }

  bool logged_ = false;
  clock_type::time_point last_;
  std::size_t held_back_ = 0;
  std::string last_peer_;
  std::string last_why_;
};

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
  name_thread(thread_, thread_names::link_listener);
}

link_listener::~link_listener() {
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_.get(), &one, sizeof one);
  thread_.join();
}

void link_listener::run() {
  std::list<unproven> waiting;
  refusal_log refusals;
  clock_type::time_point accept_again{};
  std::vector<pollfd> fds;
  std::vector<std::list<unproven>::iterator> owners;
  auto refuse = [&](std::list<unproven>::iterator it, const std::string& why) {
    ++refused_;
    refusals.note(it->peer, why, clock_type::now());
    return waiting.erase(it);
  };
  // Reads what arrived of one worker's answer; hands the connection on once
  // it proved the secret.
  auto take_answer = [&](std::list<unproven>::iterator it) {
    char buf[link_answer_size];
    auto n = ::recv(it->fd.get(), buf, link_answer_size - it->answer.size(), MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    if (n <= 0) {
      refuse(it, n == 0 ? "it closed before it proved the shared secret"
                        : std::string{"it failed: "} + std::strerror(errno));
      return;
    }
    it->answer.append(buf, static_cast<std::size_t>(n));
    if (it->answer.size() < link_answer_size)
      return;
    std::optional<std::string> proof;
    try {
      proof = it->challenge.check(it->answer);
    } catch (const std::exception& e) {
      refuse(it, std::string{"its proof cannot be checked: "} + e.what());
      return;
    }
    if (!proof) {
      send_now(it->fd.get(), link_refusal()); // the worker knows not to try again
      refuse(it, "it does not prove the shared secret");
      return;
    }
    if (!send_now(it->fd.get(), *proof)) {
      refuse(it, "it does not read the supervisor's proof");
      return;
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
  };
  auto greet = [&](owned_fd fd, clock_type::time_point now) {
    auto peer = peer_address(fd.get());
    if (waiting.size() >= limits_.max_unproven) {
      ++refused_;
      refusals.note(peer, "too many connections are proving the secret at once", now);
      return; // closed here, at once
    }
    try {
      link_challenge challenge{secret_}; // draws a nonce: can fail
      if (!send_now(fd.get(), challenge.greeting())) {
        ++refused_;
        return;
      }
      waiting.push_back(unproven{std::move(fd), std::move(peer), std::move(challenge), {},
                                 now + limits_.proof_timeout});
    } catch (const std::exception& e) {
      ++refused_;
      log::error("the worker port cannot greet " + peer + ": " + e.what());
    }
  };
  for (;;) {
    try {
      auto now = clock_type::now();
      refusals.flush(now);
      fds.clear();
      owners.clear();
      fds.push_back({wake_.get(), POLLIN, 0});
      // At the cap connections are still accepted, and closed at once, so
      // that a peer learns at once; out of descriptors, accepting pauses.
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
      if (rc < 0 && errno != EINTR) {
        log::error(std::string{"the worker port cannot poll: "} + std::strerror(errno));
        std::this_thread::sleep_for(pause_on_shortage);
        continue;
      }
      if (fds[0].revents != 0)
        return; // the destructor: every unproven connection closes with `waiting`
      now = clock_type::now();
      for (std::size_t i = 0; i < owners.size(); ++i) {
        if (fds[i + 2].revents == 0)
          continue;
        take_answer(owners[i]);
      }
      for (auto it = waiting.begin(); it != waiting.end();)
        it = now >= it->deadline ? refuse(it, "it did not prove the shared secret within "
                                                + std::to_string(limits_.proof_timeout.count())
                                                + " ms")
                                 : std::next(it);
      if ((fds[1].revents & POLLIN) == 0)
        continue;
      // Take what the backlog holds, a bounded number per pass.
      for (int taken = 0; taken < 64; ++taken) {
        owned_fd fd{::accept4(listening_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)};
        if (!fd) {
          if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
            accept_again = now + pause_on_shortage; // keep the connections it has
          break;
        }
        greet(std::move(fd), now);
      }
    } catch (const std::exception& e) {
      // Nothing that goes wrong here may end the process; the port goes on.
      log::error("the worker port: " + std::string{e.what()});
      std::this_thread::sleep_for(pause_on_shortage);
    }
  }
}

} // namespace actorserve
