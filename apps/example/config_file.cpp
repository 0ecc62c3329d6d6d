#include "apps/example/config_file.hpp"

#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>

namespace actorserve {

namespace {

/// A byte TOML allows in no string: controls but the tab, and DEL.
bool is_control(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && u != '\t') || u == 0x7f;
}

/// A byte as an error message shows it: 'x', or \xHH when not printable.
std::string shown(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f)
    return "'" + std::string(1, c) + "'";
  char hex[8];
  std::snprintf(hex, sizeof hex, "\\x%02X", u);
  return hex;
}

bool bare_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
         || c == '-';
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

/// A cursor over the text that knows its line, and fails in one voice.
class reader {
public:
  reader(std::string_view text, const std::string& name) : text_(text), name_(name) {
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw usage_error(name_ + ":" + std::to_string(line_) + ": " + what);
  }

  bool done() const {
    return pos_ >= text_.size();
  }
  char peek() const {
    return done() ? '\0' : text_[pos_];
  }
  bool starts(std::string_view s) const {
    return text_.substr(pos_, s.size()) == s;
  }
  char take() {
    return text_[pos_++];
  }
  int line() const {
    return line_;
  }

  void skip_spaces() {
    while (peek() == ' ' || peek() == '\t')
      ++pos_;
  }

  /// Spaces, then a comment if any, then the end of the line (or the text).
  void end_of_line() {
    skip_spaces();
    if (peek() == '#')
      skip_comment();
    if (done())
      return;
    if (peek() == '\r') {
      ++pos_;
      if (peek() != '\n')
        fail("a carriage return without a line feed");
    }
    if (peek() != '\n')
      fail("unexpected " + shown(peek()) + " (one key = value a line)");
    ++pos_;
    ++line_;
  }

  /// Spaces, comments and line ends (inside an array, or between lines).
  void skip_blank() {
    for (;;) {
      skip_spaces();
      if (peek() == '#') {
        skip_comment();
      } else if (peek() == '\r' && text_.substr(pos_, 2) == "\r\n") {
        pos_ += 2;
        ++line_;
      } else if (peek() == '\n') {
        ++pos_;
        ++line_;
      } else {
        return;
      }
    }
  }

  /// One key, perhaps dotted: its parts joined by dashes.
  std::string key() {
    std::string out;
    for (;;) {
      skip_spaces();
      std::string part;
      if (peek() == '"') {
        part = basic_string();
      } else if (peek() == '\'') {
        part = literal_string();
      } else {
        while (bare_key_char(peek()))
          part += take();
      }
      if (part.empty())
        fail("a key is missing");
      out += (out.empty() ? "" : "-") + part;
      skip_spaces();
      if (peek() != '.')
        return out;
      ++pos_;
    }
  }

  std::string basic_string() {
    if (starts("\"\"\""))
      fail("multi-line strings are not supported: use one line with \\n");
    ++pos_; // the quote
    std::string out;
    for (;;) {
      if (done() || peek() == '\n')
        fail("a string has no closing quote");
      char c = take();
      if (c == '"')
        return out;
      if (is_control(c))
        fail("a string holds the control byte " + shown(c) + ": escape it");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (done())
        fail("a string has no closing quote");
      char e = take();
      switch (e) {
        case 'b': out += '\b'; break;
        case 't': out += '\t'; break;
        case 'n': out += '\n'; break;
        case 'f': out += '\f'; break;
        case 'r': out += '\r'; break;
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case 'u':
        case 'U': {
          std::size_t digits = e == 'u' ? 4 : 8;
          if (pos_ + digits > text_.size())
            fail("a \\" + std::string(1, e) + " escape needs " + std::to_string(digits)
                 + " hex digits");
          std::uint32_t cp = 0;
          for (std::size_t i = 0; i < digits; ++i) {
            char h = take();
            int v = (h >= '0' && h <= '9')   ? h - '0'
                    : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                    : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                             : -1;
            if (v < 0)
              fail("a \\" + std::string(1, e) + " escape needs hex digits");
            cp = cp * 16 + static_cast<std::uint32_t>(v);
          }
          if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            fail("a \\" + std::string(1, e) + " escape names no character");
          append_utf8(out, cp);
          break;
        }
        default:
          fail("unknown escape \\" + std::string(1, e) + " in a string");
      }
    }
  }

  std::string literal_string() {
    if (starts("'''"))
      fail("multi-line strings are not supported");
    ++pos_;
    auto end = text_.find_first_of("'\n", pos_);
    if (end == std::string_view::npos || text_[end] != '\'')
      fail("a string has no closing quote");
    std::string out{text_.substr(pos_, end - pos_)};
    for (char c : out)
      if (is_control(c))
        fail("a string holds the control byte " + shown(c));
    pos_ = end + 1;
    return out;
  }

  /// A value that is not an array: a string, a number or a boolean.
  std::string scalar() {
    char c = peek();
    if (c == '"')
      return basic_string();
    if (c == '\'')
      return literal_string();
    if (c == '[')
      fail("arrays hold strings, numbers or booleans, not arrays");
    if (c == '{')
      fail("inline tables are not options");
    std::string word;
    while (!done() && (bare_key_char(peek()) || peek() == '.' || peek() == '+'))
      word += take();
    if (word == "true" || word == "false")
      return word;
    // A TOML integer or float: 8000, -1, 1_000, 2.5, 1e3.
    static const std::regex number{
      "[+-]?[0-9]+(_[0-9]+)*(\\.[0-9]+(_[0-9]+)*)?([eE][+-]?[0-9]+(_[0-9]+)*)?"};
    if (!std::regex_match(word, number))
      fail(word.empty() ? "a value is missing"
                        : "'" + word + "' is not a value: quote a string ('...' or \"...\")");
    std::string out;
    for (char d : word)
      if (d != '_') // 1_000 is 1000
        out += d;
    return out;
  }

  config_entry value_of(std::string key, int line) {
    config_entry e;
    e.key = std::move(key);
    e.line = line;
    if (peek() != '[') {
      e.values.push_back(scalar());
      return e;
    }
    e.array = true;
    ++pos_;
    for (;;) {
      skip_blank();
      if (peek() == ']') {
        ++pos_;
        return e;
      }
      if (done())
        fail("an array has no closing ]");
      e.values.push_back(scalar());
      skip_blank();
      if (peek() == ',') {
        ++pos_;
      } else if (peek() != ']') {
        fail("array elements are separated by commas");
      }
    }
  }

private:
  void skip_comment() {
    while (!done() && peek() != '\n')
      ++pos_;
  }

  std::string_view text_;
  const std::string& name_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

} // namespace

std::vector<config_entry> parse_config(std::string_view text, const std::string& name) {
  reader in{text, name};
  std::vector<config_entry> out;
  std::map<std::string, int> seen; // key -> its line
  std::string table;
  for (;;) {
    in.skip_blank();
    if (in.done())
      return out;
    if (in.peek() == '[') {
      if (in.starts("[["))
        in.fail("arrays of tables are not options");
      in.take();
      table = in.key();
      in.skip_spaces();
      if (in.peek() != ']')
        in.fail("a table header ends with ]");
      in.take();
      in.end_of_line();
      continue;
    }
    int line = in.line();
    auto key = in.key();
    if (!table.empty())
      key = table + "-" + key;
    in.skip_spaces();
    if (in.peek() != '=')
      in.fail("'" + key + "' needs = and a value");
    in.take();
    in.skip_spaces();
    auto entry = in.value_of(key, line);
    in.end_of_line();
    if (auto [it, fresh] = seen.emplace(key, line); !fresh)
      throw usage_error(name + ":" + std::to_string(line) + ": '" + key
                        + "' is given twice (first on line " + std::to_string(it->second) + ")");
    out.push_back(std::move(entry));
  }
}

std::vector<config_entry> read_config_file(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    throw usage_error(path + ": cannot read the file");
  if (static_cast<std::uint64_t>(st.st_size) > max_config_bytes)
    throw usage_error(path + ": larger than " + std::to_string(max_config_bytes) + " bytes");
  std::ifstream in{path, std::ios::binary};
  if (!in)
    throw usage_error(path + ": cannot read the file");
  std::string text;
  text.reserve(static_cast<std::size_t>(st.st_size));
  char buf[4096];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_config_bytes) // it grew since stat
      throw usage_error(path + ": larger than " + std::to_string(max_config_bytes) + " bytes");
  }
  return parse_config(text, path);
}

} // namespace actorserve
