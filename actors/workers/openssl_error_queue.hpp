#pragma once

namespace actorserve {

/// Linking this in makes every SSL_read, SSL_write, SSL_connect and
/// SSL_accept of the process start with a clear OpenSSL error queue, which
/// CAF 0.17's OpenSSL module needs to tell a failed link from one that has
/// to wait (openssl_error_queue.cpp says why). A node with TLS calls it,
/// which also makes the linker keep the wrappers in the executable.
void guard_openssl_error_queue();

} // namespace actorserve
