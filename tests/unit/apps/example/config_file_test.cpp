#define CAF_SUITE config_file
#include <caf/test/unit_test.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "apps/example/config_file.hpp"

using namespace actorserve;

namespace {

std::vector<config_entry> parse(const std::string& text) {
  return parse_config(text, "f.toml");
}

/// "ok", or the usage error's message.
std::string refusal(const std::string& text) {
  try {
    parse(text);
  } catch (const usage_error& e) {
    return e.what();
  }
  return "ok";
}

} // namespace

CAF_TEST(keys values and tables) {
  auto entries = parse("# comment\n"
                       "workers = 2   # trailing comment\n"
                       "name = \"a # not a comment, nor a split\"\n"
                       "path = '/a b/c'\n"
                       "flag = true\n"
                       "size = 1_000\n"
                       "neg = -2.5e-3\n"
                       "\n"
                       "[http]\n"
                       "port = 8000\n"
                       "limits.body = 1.5e3\n"
                       "\"quoted key\" = 'x'\n");
  CAF_REQUIRE_EQUAL(entries.size(), 9u);
  CAF_CHECK_EQUAL(entries[0].key, "workers");
  CAF_CHECK_EQUAL(entries[0].values, std::vector<std::string>{"2"});
  CAF_CHECK_EQUAL(entries[0].line, 2);
  CAF_CHECK_EQUAL(entries[1].values, std::vector<std::string>{"a # not a comment, nor a split"});
  CAF_CHECK_EQUAL(entries[2].values, std::vector<std::string>{"/a b/c"});
  CAF_CHECK_EQUAL(entries[3].values, std::vector<std::string>{"true"});
  CAF_CHECK_EQUAL(entries[4].values, std::vector<std::string>{"1000"});
  CAF_CHECK_EQUAL(entries[5].values, std::vector<std::string>{"-2.5e-3"});
  CAF_CHECK_EQUAL(entries[6].key, "http-port");
  CAF_CHECK_EQUAL(entries[6].line, 10);
  CAF_CHECK_EQUAL(entries[7].key, "http-limits-body");
  CAF_CHECK_EQUAL(entries[7].values, std::vector<std::string>{"1.5e3"});
  CAF_CHECK_EQUAL(entries[8].key, "http-quoted key");
}

CAF_TEST(strings unescape and arrays span lines) {
  auto entries = parse("a = \"q\\\"b\\\\s\\tt\\u00e9\\U0001F600\"\n"
                       "list = [\n"
                       "  'x', # first\n"
                       "  \"y,z\",\n"
                       "]\n"
                       "empty = []\n");
  CAF_REQUIRE_EQUAL(entries.size(), 3u);
  CAF_CHECK_EQUAL(entries[0].values.front(), "q\"b\\s\tt\xC3\xA9\xF0\x9F\x98\x80");
  CAF_CHECK(entries[1].array);
  CAF_CHECK_EQUAL(entries[1].values, (std::vector<std::string>{"x", "y,z"}));
  CAF_CHECK(entries[2].array);
  CAF_CHECK(entries[2].values.empty());
}

CAF_TEST(what is not an option value is refused with its line) {
  CAF_CHECK_EQUAL(refusal("a = 1\nb = unquoted\n"),
                  "f.toml:2: 'unquoted' is not a value: quote a string ('...' or \"...\")");
  CAF_CHECK_EQUAL(refusal("a = 'open\n"), "f.toml:1: a string has no closing quote");
  CAF_CHECK_EQUAL(refusal("a = \"\\q\"\n"), "f.toml:1: unknown escape \\q in a string");
  CAF_CHECK_EQUAL(refusal("a = 1\na = 2\n"), "f.toml:2: 'a' is given twice (first on line 1)");
  CAF_CHECK_EQUAL(refusal("a = { b = 1 }\n"), "f.toml:1: inline tables are not options");
  CAF_CHECK_EQUAL(refusal("[[t]]\n"), "f.toml:1: arrays of tables are not options");
  CAF_CHECK_EQUAL(refusal("a = [[1]]\n"),
                  "f.toml:1: arrays hold strings, numbers or booleans, not arrays");
  CAF_CHECK_EQUAL(refusal("a = [1 2]\n"), "f.toml:1: array elements are separated by commas");
  CAF_CHECK_EQUAL(refusal("a = [1,\n"), "f.toml:2: an array has no closing ]");
  CAF_CHECK_EQUAL(refusal("a = 1 b\n"), "f.toml:1: unexpected 'b' (one key = value a line)");
  CAF_CHECK_EQUAL(refusal("a\n"), "f.toml:1: 'a' needs = and a value");
  CAF_CHECK_EQUAL(refusal("= 1\n"), "f.toml:1: a key is missing");
  CAF_CHECK_EQUAL(refusal("a = \n"), "f.toml:1: a value is missing");
  CAF_CHECK_EQUAL(refusal("a = \"\"\"x\"\"\"\n"),
                  "f.toml:1: multi-line strings are not supported: use one line with \\n");
  CAF_CHECK_EQUAL(refusal("a = \"\\uD800\"\n"), "f.toml:1: a \\u escape names no character");
  CAF_CHECK_EQUAL(refusal("[t\n"), "f.toml:1: a table header ends with ]");
  CAF_CHECK_EQUAL(refusal("d = 1979-05-27\n"),
                  "f.toml:1: '1979-05-27' is not a value: quote a string ('...' or \"...\")");
  CAF_CHECK_EQUAL(refusal("a = 1e\n"),
                  "f.toml:1: '1e' is not a value: quote a string ('...' or \"...\")");
  CAF_CHECK_EQUAL(refusal("a = \"x\x01y\"\n"),
                  "f.toml:1: a string holds the control byte \\x01: escape it");
  CAF_CHECK_EQUAL(refusal("a = 1\r"), "f.toml:1: a carriage return without a line feed");
  CAF_CHECK_EQUAL(refusal("a = 1 \x02\n"), "f.toml:1: unexpected \\x02 (one key = value a line)");
}

CAF_TEST(a file of max_config_bytes is read and one byte more is refused) {
  char tmpl[] = "/tmp/config_file_test.XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  auto path = dir + "/big.toml";
  std::string text = "a = 1\n";
  text.resize(max_config_bytes, '\n'); // blank lines up to the limit
  std::ofstream{path, std::ios::binary} << text;
  CAF_CHECK_EQUAL(read_config_file(path).size(), 1u);
  std::ofstream{path, std::ios::binary | std::ios::app} << "\n";
  try {
    read_config_file(path);
    CAF_FAIL("read a file past the limit");
  } catch (const usage_error& e) {
    CAF_CHECK_EQUAL(std::string(e.what()), path + ": larger than 1048576 bytes");
  }
  std::remove(path.c_str());
  ::rmdir(dir.c_str());
}

CAF_TEST(a file too large or missing is refused before it is read) {
  try {
    read_config_file("/nonexistent/actorserve.toml");
    CAF_FAIL("read a missing file");
  } catch (const usage_error& e) {
    CAF_CHECK_EQUAL(std::string(e.what()), "/nonexistent/actorserve.toml: cannot read the file");
  }
  try {
    read_config_file("/proc/self/status"); // not a regular file of the size stat says
  } catch (const usage_error&) {
  }
}
