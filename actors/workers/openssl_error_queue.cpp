// CAF 0.17's OpenSSL module decides whether a link failed with
// SSL_get_error() right after SSL_read/SSL_write/SSL_connect/SSL_accept, but
// never clears OpenSSL's per-thread error queue first. One failed handshake
// (a port scanner, a peer without TLS) leaves an entry in the queue of the
// middleman's thread, and the next read of every other link on that thread
// that merely has to wait is taken for an error: every worker is dropped.
// These wrappers clear the queue before each call, as OpenSSL requires, and
// then run OpenSSL's own function. The executable exports them because
// libcaf_openssl refers to them, so its calls land here first.
#include "actors/workers/openssl_error_queue.hpp"

#include <dlfcn.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace {

template <class F>
F next_definition(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

} // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static auto real = next_definition<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static auto real = next_definition<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_connect(SSL* ssl) {
  static auto real = next_definition<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return real(ssl);
}

int SSL_accept(SSL* ssl) {
  static auto real = next_definition<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return real(ssl);
}

} // extern "C"

namespace actorserve {

void guard_openssl_error_queue() {
  // Nothing to do at run time: the wrappers above are in place from the
  // start; calling this is what keeps them linked in.
}

} // namespace actorserve
