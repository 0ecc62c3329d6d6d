#include "actors/tls_files.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

namespace actorserve {

namespace {

/// OpenSSL's reason for what just failed, and an empty queue after it.
std::string openssl_reason() {
  auto code = ERR_get_error();
  ERR_clear_error();
  if (code == 0)
    return "no reason given";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

[[noreturn]] void refuse(const std::string& what) {
  throw std::invalid_argument(what + " (" + openssl_reason() + ")");
}

int give_passphrase(char* buf, int size, int, void* userdata) {
  auto& passphrase = *static_cast<const std::string*>(userdata);
  if (size <= 0 || passphrase.size() >= static_cast<std::size_t>(size))
    return 0;
  std::memcpy(buf, passphrase.data(), passphrase.size());
  return static_cast<int>(passphrase.size());
}

/// Whether a PEM key file says it is encrypted (PKCS#8's or the older
/// header's mark), read from its first 64 KiB.
bool is_encrypted(const std::string& path) {
  std::ifstream in{path};
  std::string head(64 * 1024, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head.find("ENCRYPTED") != std::string::npos;
}

} // namespace

void check_tls_files(const tls_options& tls) {
  if (!tls.enabled())
    return;
  ERR_clear_error();
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{SSL_CTX_new(TLS_method()),
                                                        &SSL_CTX_free};
  if (!ctx)
    refuse("cannot check the TLS files");
  // Always ours: OpenSSL's own callback would ask on the terminal for the
  // passphrase of an encrypted key, and wait there.
  SSL_CTX_set_default_passwd_cb(ctx.get(), give_passphrase);
  SSL_CTX_set_default_passwd_cb_userdata(ctx.get(), const_cast<std::string*>(&tls.passphrase));
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), tls.certificate.c_str()) != 1)
    refuse("cannot load the TLS certificate from " + tls.certificate);
  auto mismatch = "the TLS key in " + tls.key + " does not belong to the certificate in "
                  + tls.certificate;
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), tls.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    // OpenSSL 3 compares the key with the certificate as it loads it.
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH)
      refuse(mismatch);
    if (tls.passphrase.empty() && is_encrypted(tls.key))
      refuse("the TLS key in " + tls.key + " is encrypted, and no passphrase was given");
    refuse("cannot load the TLS key from " + tls.key);
  }
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    refuse(mismatch);
  if (SSL_CTX_load_verify_locations(ctx.get(), tls.ca_file.c_str(), nullptr) != 1)
    refuse("cannot load the CA certificates from " + tls.ca_file);
  ERR_clear_error();
}

} // namespace actorserve
