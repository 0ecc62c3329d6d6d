#pragma once

#include <string>
#include <string_view>

namespace actorserve::http {

// ASCII case folding, for header names, schemes and host names: HTTP's are
// ASCII, and std::tolower would ask the locale for every character.

/// `c` in lower case when it is an ASCII letter.
inline char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

inline std::string ascii_lowered(std::string s) {
  for (auto& c : s)
    c = ascii_lower(c);
  return s;
}

/// Whether two names are the same but for ASCII case; allocates nothing.
inline bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i]))
      return false;
  return true;
}

} // namespace actorserve::http
