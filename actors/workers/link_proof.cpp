#include "actors/workers/link_proof.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "actors/workers/link_socket.hpp"
#include "actors/workers/worker_secret.hpp"

namespace actorserve {

namespace {

constexpr const char* magic = "ASLINK1\n";
constexpr std::size_t magic_size = 8;
constexpr std::size_t nonce_size = 32;
constexpr const char* worker_purpose = "actorserve-link-worker";
constexpr const char* supervisor_purpose = "actorserve-link-supervisor";

static_assert(link_greeting_size == magic_size + nonce_size);
static_assert(link_answer_size == magic_size + nonce_size + link_proof_size);

bool has_magic(const std::string& message) {
  return message.compare(0, magic_size, magic) == 0;
}

/// Exactly `size` bytes from `fd`, or fewer when the peer closed or the
/// deadline passed (`why` says which).
std::string read_exactly(int fd, std::size_t size,
                         std::chrono::steady_clock::time_point deadline, std::string& why) {
  std::string got(size, '\0');
  std::size_t have = 0;
  while (have < size) {
    if (!wait_for(fd, false, deadline)) {
      why = "no answer in time";
      break;
    }
    auto n = ::recv(fd, got.data() + have, size - have, MSG_DONTWAIT);
    if (n > 0) {
      have += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
      continue;
    why = n == 0 ? "the connection closed" : std::strerror(errno);
    break;
  }
  got.resize(have);
  return got;
}

bool write_all(int fd, const std::string& data, std::chrono::steady_clock::time_point deadline,
               std::string& why) {
  std::size_t done = 0;
  while (done < data.size()) {
    if (!wait_for(fd, true, deadline)) {
      why = "could not write in time";
      return false;
    }
    auto n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0)
      done += static_cast<std::size_t>(n);
    else if (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      why = std::strerror(errno);
      return false;
    }
  }
  return true;
}

} // namespace

link_challenge::link_challenge(std::string secret)
  : secret_{std::move(secret)}, nonce_{worker_secret::nonce()}, greeting_{magic + nonce_} {
}

std::optional<std::string> link_challenge::check(const std::string& answer) const {
  if (answer.size() != link_answer_size || !has_magic(answer))
    return std::nullopt;
  auto worker_nonce = answer.substr(magic_size, nonce_size);
  auto proof = answer.substr(magic_size + nonce_size);
  auto both = nonce_ + ":" + worker_nonce;
  if (!worker_secret::same(proof, worker_secret::prove(secret_, worker_purpose, both)))
    return std::nullopt;
  return worker_secret::prove(secret_, supervisor_purpose, both);
}

std::optional<link_answer> answer_link_greeting(const std::string& secret,
                                                const std::string& greeting) {
  if (greeting.size() != link_greeting_size || !has_magic(greeting))
    return std::nullopt;
  auto nonce = worker_secret::nonce();
  auto both = greeting.substr(magic_size) + ":" + nonce;
  return link_answer{magic + nonce + worker_secret::prove(secret, worker_purpose, both),
                     worker_secret::prove(secret, supervisor_purpose, both)};
}

link_outcome prove_link_to_supervisor(int fd, const std::string& secret,
                                      std::chrono::steady_clock::time_point deadline,
                                      std::string& why) {
  std::string how;
  auto greeting = read_exactly(fd, link_greeting_size, deadline, how);
  auto answer = answer_link_greeting(secret, greeting);
  if (!answer) {
    why = greeting.size() < link_greeting_size
            ? "no greeting from the worker port (" + how + ")"
            : "the worker port does not speak actorserve's link protocol";
    return link_outcome::not_greeted;
  }
  if (!write_all(fd, answer->answer, deadline, how)) {
    why = "cannot answer the supervisor (" + how + ")";
    return link_outcome::not_greeted;
  }
  auto proof = read_exactly(fd, link_proof_size, deadline, how);
  if (proof.size() < link_proof_size) {
    if (how != "the connection closed") {
      why = "the supervisor did not answer the proof (" + how + ")";
      return link_outcome::not_greeted;
    }
    why = "the supervisor refused this worker: it holds a different shared secret";
    return link_outcome::refused;
  }
  if (!worker_secret::same(proof, answer->expected_proof)) {
    why = "the supervisor holds a different shared secret; not joining it";
    return link_outcome::impostor;
  }
  return link_outcome::admitted;
}

} // namespace actorserve
