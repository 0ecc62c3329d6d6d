#include "actors/workers/worker_secret.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace actorserve::worker_secret {

namespace {

std::string hex(const unsigned char* data, std::size_t size) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 0x0f];
  }
  return out;
}

std::string random_hex(std::size_t bytes) {
  unsigned char buf[64];
  std::size_t got = 0;
  while (got < bytes) {
    auto n = ::getrandom(buf + got, bytes - got, 0);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      throw std::runtime_error(std::string("cannot read random bytes: ") + std::strerror(errno));
    }
    got += static_cast<std::size_t>(n);
  }
  return hex(buf, bytes);
}

} // namespace

std::string make() {
  return random_hex(32);
}

std::string nonce() {
  return random_hex(16);
}

std::string prove(const std::string& secret, const std::string& purpose,
                  const std::string& nonce) {
  auto text = purpose + ":" + nonce;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac, &size)
      == nullptr)
    throw std::runtime_error("HMAC-SHA256 failed");
  return hex(mac, size);
}

bool same(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace actorserve::worker_secret
