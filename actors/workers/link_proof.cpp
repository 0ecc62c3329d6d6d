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

enum class read_end { whole, closed, late, failed };

/// Exactly `size` bytes from `fd` (fewer when the peer closed, the deadline
/// passed or the socket failed: `end` says which).
std::string read_exactly(int fd, std::size_t size,
                         std::chrono::steady_clock::time_point deadline, read_end& end) {
  std::string got(size, '\0');
  std::size_t have = 0;
  end = read_end::whole;
  while (have < size) {
    if (!wait_for(fd, false, deadline)) {
      end = read_end::late;
      break;
    }
    auto n = ::recv(fd, got.data() + have, size - have, MSG_DONTWAIT);
    if (n > 0) {
      have += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
      continue;
    end = n == 0 ? read_end::closed : read_end::failed;
    break;
  }
  got.resize(have);
  return got;
}

const char* describe(read_end end) {
  switch (end) {
    case read_end::whole:
      return "complete";
    case read_end::closed:
      return "the connection closed";
    case read_end::late:
      return "no answer in time";
    default:
      return "the connection failed";
  }
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

const std::string& link_refusal() {
  // Not hex, so that it can be no proof.
  static const std::string refusal = [] {
    std::string text = "ASLINK1 refused: prove the shared secret of this service";
    text.resize(link_proof_size, '.');
    return text;
  }();
  return refusal;
}

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
  read_end end;
  auto greeting = read_exactly(fd, link_greeting_size, deadline, end);
  auto answer = answer_link_greeting(secret, greeting);
  if (!answer) {
    why = end != read_end::whole
            ? std::string{"no greeting from the worker port ("} + describe(end) + ")"
            : "the worker port does not speak actorserve's link protocol";
    return link_outcome::not_greeted;
  }
  std::string how;
  if (!write_all(fd, answer->answer, deadline, how)) {
    why = "cannot answer the supervisor (" + how + ")";
    return link_outcome::not_greeted;
  }
  auto proof = read_exactly(fd, link_proof_size, deadline, end);
  if (end != read_end::whole) {
    // A supervisor that is stopping, or busy past the proof timeout.
    why = std::string{"the supervisor did not answer the proof ("} + describe(end) + ")";
    return link_outcome::not_greeted;
  }
  if (proof == link_refusal()) {
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
