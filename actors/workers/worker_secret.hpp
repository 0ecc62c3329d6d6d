#pragma once

#include <string>

// The per-service secret that workers prove they know before they are given
// calls (reading and checking it: worker_options.hpp). The secret itself
// never crosses the network: each side answers the other's random nonce with
// HMAC-SHA256(secret, purpose + nonce).
namespace actorserve::worker_secret {

/// 32 random bytes from the kernel, as 64 hex digits.
std::string make();

/// A fresh random nonce (hex).
std::string nonce();

/// The proof that the holder of `secret` answered `nonce` for `purpose`.
std::string prove(const std::string& secret, const std::string& purpose,
                  const std::string& nonce);

/// Compares two proofs in time independent of where they differ.
bool same(const std::string& a, const std::string& b);

} // namespace actorserve::worker_secret
