#pragma once

#include <string>
#include <string_view>

namespace actorserve {

/// Reads a file that holds a secret (the nodes' shared secret, the stop
/// token), surrounding white space dropped. As ssh does for its keys, it
/// refuses a file that is not a regular file owned by this process's user,
/// or that its group or others may read or write: std::runtime_error naming
/// the file and what is wrong (with the chmod that mends it).
std::string read_private_file(const std::string& path, const std::string& what);

/// Compares two secrets in time independent of where they differ.
bool same_secret(std::string_view a, std::string_view b) noexcept;

} // namespace actorserve
