#pragma once

// The proof each end of a worker link gives before CAF reads a byte of it.
// A connection to the worker port becomes CAF's (its BASP protocol) only
// once both sides showed that they hold the shared secret. Until then the
// two sides exchange three messages of fixed size, so nothing is allocated
// on a length a peer declared:
//
//   supervisor -> worker      "ASLINK1\n" nonce_s                  40 bytes
//   worker     -> supervisor  "ASLINK1\n" nonce_w proof_w         104 bytes
//   supervisor -> worker      proof_s, or the refusal              64 bytes
//
//   proof_w = HMAC-SHA256(secret, "actorserve-link-worker:" nonce_s ":" nonce_w)
//   proof_s = HMAC-SHA256(secret, "actorserve-link-supervisor:" nonce_s ":" nonce_w)
//
// Nonces are 16 random bytes as 32 hex digits, proofs 64 hex digits. A
// supervisor that gets a wrong proof sends the refusal (link_refusal, not
// hex) instead of its own proof, and closes the connection.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace actorserve {

inline constexpr std::size_t link_greeting_size = 40;
inline constexpr std::size_t link_answer_size = 104;
inline constexpr std::size_t link_proof_size = 64;

/// What the supervisor sends instead of its proof to a worker whose answer
/// does not prove the secret (link_proof_size bytes).
const std::string& link_refusal();

/// The supervisor's side of one connection to the worker port.
class link_challenge {
public:
  /// Draws a fresh nonce.
  explicit link_challenge(std::string secret);

  /// What the supervisor sends first (link_greeting_size bytes).
  const std::string& greeting() const noexcept {
    return greeting_;
  }

  /// The worker's answer (link_answer_size bytes): the supervisor's own
  /// proof to send back (link_proof_size bytes), or nothing when the answer
  /// does not prove the secret.
  std::optional<std::string> check(const std::string& answer) const;

private:
  std::string secret_;
  std::string nonce_;
  std::string greeting_;
};

/// The worker's answer to a greeting, and the proof it expects back.
struct link_answer {
  std::string answer;
  std::string expected_proof;
};

/// The worker's side: the answer to `greeting` (link_greeting_size bytes),
/// or nothing if it is not a greeting of this protocol.
std::optional<link_answer> answer_link_greeting(const std::string& secret,
                                                const std::string& greeting);

/// How the worker's side of the proof ended.
enum class link_outcome {
  admitted,    ///< both proved the secret: the link is CAF's from here
  not_greeted, ///< no greeting or no answer came (the port is busy, closing or
               ///< not ours): try again
  refused,     ///< the supervisor refused the answer: it holds another secret
  impostor,    ///< the supervisor's proof is wrong: it does not hold the secret
};

/// The worker's side over `fd`, a connected blocking socket, by `deadline`.
/// Reads no byte past the supervisor's proof (what follows is CAF's). `why`
/// says what went wrong unless admitted.
link_outcome prove_link_to_supervisor(int fd, const std::string& secret,
                                      std::chrono::steady_clock::time_point deadline,
                                      std::string& why);

} // namespace actorserve
