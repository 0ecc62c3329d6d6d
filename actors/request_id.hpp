#pragma once

#include <string>
#include <string_view>

namespace actorserve {

/// The longest request id a client may give (X-Request-Id).
inline constexpr std::size_t max_request_id = 128;

/// Whether a client's request id may be taken as it is: 1 to
/// max_request_id characters of letters, digits and `-_.:/+=@`. Anything
/// else (spaces, quotes, control bytes) could forge or break a log line,
/// so the gateway makes a new id instead.
bool acceptable_request_id(std::string_view id) noexcept;

/// A new id, unique in this process and unlikely to repeat across
/// processes and restarts: 16 hex digits from a per-process random start
/// and a counter, then a dash and the counter ("3f9c0a1be42d7c10-17").
std::string new_request_id();

} // namespace actorserve
