#pragma once

#include <cstdint>

namespace actorserve {

/// Raises this process's soft limit on open descriptors to its hard limit
/// (the default soft limit, 1024, is what a thousand idle connections
/// exhaust). Returns the limit now in force; leaves it as it was when it
/// cannot be read or raised.
std::uint64_t raise_descriptor_limit() noexcept;

} // namespace actorserve
