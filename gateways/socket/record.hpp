#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "actors/json_depth.hpp"

namespace actorserve::socket {

/// The socket gateway's record framing, both directions:
///
///     <id> SP <payload-length> SP <encoder> LF <payload bytes>
///
/// See docs/protocol.md.
struct record_header {
  std::string id;
  std::size_t length = 0;
  std::string encoder;
};

/// The limits a reader holds a record to.
struct record_limits {
  /// The longest header line, newline included.
  std::size_t max_header = 64 * 1024;
  /// The largest payload.
  std::size_t max_frame = 64 * 1024 * 1024;
  /// The deepest nesting of arrays and objects a JSON payload may have.
  std::size_t max_depth = default_max_depth;
};

/// The longest request id.
inline constexpr std::size_t max_id_length = 64;

/// The id an error record carries when the record's own id could not be read.
inline constexpr const char* unknown_id = "-";

/// What parse_header found: a header, or why the line is not one (and the
/// id, when it could be read, for the error record).
struct header_result {
  std::optional<record_header> header;
  std::string error;
  std::string id = unknown_id;
};

/// Parses a header line (without its LF). Checks: exactly three tokens
/// separated by single spaces, a valid id, a decimal length within
/// `limits.max_frame`, and a known encoder (json, pickle, utf8, none, error).
header_result parse_header(std::string_view line, const record_limits& limits);

/// Whether `id` may be a request id: 1–64 printable ASCII characters, no
/// spaces.
bool is_valid_id(std::string_view id);

/// Appends one record to `out`.
void append_record(std::string& out, std::string_view id, std::string_view encoder,
                   std::string_view payload);

} // namespace actorserve::socket
