#define CAF_SUITE private_file
#include <caf/test/unit_test.hpp>

#include "actors/private_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>

using namespace actorserve;

namespace {

/// A file under /tmp with `text` and `mode`, removed at the end of a test.
struct temp_file {
  std::string path;

  temp_file(const std::string& text, mode_t mode) {
    char name[] = "/tmp/actorserve-private-XXXXXX";
    ::close(::mkstemp(name));
    path = name;
    std::ofstream{path} << text;
    ::chmod(path.c_str(), mode);
  }

  ~temp_file() {
    std::remove(path.c_str());
  }
};

/// What read_private_file says, or its text when it reads the file.
std::string outcome(const std::string& path) {
  try {
    return "read: " + read_private_file(path, "stop token");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
}

} // namespace

CAF_TEST(a file private to its owner is read without surrounding white space) {
  temp_file f{"\n  the-token \n", 0600};
  CAF_CHECK_EQUAL(outcome(f.path), "read: the-token");
  temp_file read_only{"t", 0400};
  CAF_CHECK_EQUAL(outcome(read_only.path), "read: t");
}

CAF_TEST(a file others may read or write is refused with the mend) {
  for (mode_t mode : {0640, 0604, 0620, 0602, 0644}) {
    temp_file f{"the-token", mode};
    CAF_CHECK_EQUAL(outcome(f.path), "cannot use " + f.path
                                       + " as the stop token: its group or others may read or "
                                         "write it (run: chmod 600 " + f.path + ")");
  }
}

CAF_TEST(links directories missing and oversized files are refused) {
  temp_file target{"the-token", 0600};
  auto link = target.path + ".link";
  CAF_REQUIRE_EQUAL(::symlink(target.path.c_str(), link.c_str()), 0);
  CAF_CHECK_EQUAL(outcome(link), "cannot use " + link + " as the stop token: it is a symbolic link");
  std::remove(link.c_str());
  CAF_CHECK_EQUAL(outcome("/tmp"), "cannot use /tmp as the stop token: it is not a regular file");
  CAF_CHECK_EQUAL(outcome("/nonexistent/token"),
                  "cannot use /nonexistent/token as the stop token: No such file or directory");
  temp_file big{std::string(64 * 1024 + 1, 'x'), 0600};
  CAF_CHECK_EQUAL(outcome(big.path), "cannot use " + big.path
                                       + " as the stop token: it is larger than 65536 bytes");
  temp_file at_limit{std::string(64 * 1024, 'x'), 0600};
  CAF_CHECK_EQUAL(outcome(at_limit.path).size(), 6u + 64 * 1024);
}

CAF_TEST(secrets compare equal only when equal) {
  CAF_CHECK(same_secret("abc", "abc"));
  CAF_CHECK(!same_secret("abc", "abd"));
  CAF_CHECK(!same_secret("abc", "ab"));
  CAF_CHECK(same_secret("", ""));
}
