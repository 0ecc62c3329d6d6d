#include "actors/worker_secret.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
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

void check(const std::string& secret, const std::string& where) {
  if (secret.size() < min_length)
    throw std::invalid_argument("the shared secret from " + where + " has "
                                + std::to_string(secret.size())
                                + " characters; it needs at least "
                                + std::to_string(min_length));
}

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  if (!in)
    throw std::runtime_error("cannot read the secret file " + path + ": "
                             + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  auto s = text.str();
  auto first = s.find_first_not_of(" \t\r\n");
  auto last = s.find_last_not_of(" \t\r\n");
  s = first == std::string::npos ? std::string{} : s.substr(first, last - first + 1);
  check(s, "file " + path);
  return s;
}

} // namespace actorserve::worker_secret
