#pragma once

#include "actors/worker_options.hpp"

namespace actorserve {

/// Loads the TLS certificate chain, key and CA file of `tls` as the node
/// link will (PEM; the key decrypted with the passphrase, if any), once, at
/// the start: a file that is missing, unreadable or not PEM, a key that
/// does not belong to the certificate, or a CA file with no certificate is
/// refused with std::invalid_argument naming the file. Without this, CAF
/// loads them only when the first connection comes, and a failure there
/// ends the process: a bad file would let any connection to the worker port
/// stop the service. Does nothing when TLS is off.
void check_tls_files(const tls_options& tls);

} // namespace actorserve
