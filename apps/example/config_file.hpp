#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "apps/example/usage_error.hpp"

namespace actorserve {

/// One `key = value` of a config file. The key is the table's name and the
/// key's parts joined by dashes: `port` under `[http]` (or `http.port`) is
/// "http-port". Values are the text they stand for: a string unescaped, a
/// number or a boolean as written; an array gives one value per element.
struct config_entry {
  std::string key;
  std::vector<std::string> values;
  bool array = false;
  int line = 0;
};

/// The largest config file read: far past any real one.
inline constexpr std::size_t max_config_bytes = 1 << 20;

/// Reads the part of TOML that options need: comments, `[table]` headers,
/// `key = value` with bare, quoted or dotted keys, and values that are basic
/// ("...") or literal ('...') strings, numbers, booleans, or one-level
/// arrays of them (over several lines if need be). Anything else (inline
/// tables, arrays of tables, dates, multi-line strings, a key given twice)
/// is a usage_error "NAME:LINE: what is wrong". Unlike a line splitter, a
/// '#' or ',' inside a string stays in it.
std::vector<config_entry> parse_config(std::string_view text, const std::string& name);

/// The same for the file at `path`; throws usage_error if it cannot be read
/// or is larger than max_config_bytes.
std::vector<config_entry> read_config_file(const std::string& path);

} // namespace actorserve
