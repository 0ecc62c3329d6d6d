#pragma once

#include <string>

// The per-service secret that workers prove they know before they are given
// calls. The secret itself never crosses the network: each side answers the
// other's random nonce with HMAC-SHA256(secret, purpose + nonce).
namespace actorserve::worker_secret {

/// The shortest secret accepted (characters).
constexpr std::size_t min_length = 16;

/// 32 random bytes from the kernel, as 64 hex digits.
std::string make();

/// A fresh random nonce (hex).
std::string nonce();

/// The proof that the holder of `secret` answered `nonce` for `purpose`.
std::string prove(const std::string& secret, const std::string& purpose,
                  const std::string& nonce);

/// Compares two proofs in time independent of where they differ.
bool same(const std::string& a, const std::string& b);

/// Reads a secret from a file (surrounding white space dropped). Throws
/// std::runtime_error naming the file if it cannot be read or the secret is
/// shorter than min_length.
std::string read_file(const std::string& path);

/// Throws std::invalid_argument if `secret` is shorter than min_length.
void check(const std::string& secret, const std::string& where);

} // namespace actorserve::worker_secret
