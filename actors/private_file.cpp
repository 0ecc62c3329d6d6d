#include "actors/private_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace actorserve {

namespace {

/// Secrets are short: a larger file is not one.
constexpr std::size_t max_private_file = 64 * 1024;

std::string trimmed(const std::string& s) {
  auto first = s.find_first_not_of(" \t\r\n");
  auto last = s.find_last_not_of(" \t\r\n");
  return first == std::string::npos ? std::string{} : s.substr(first, last - first + 1);
}

} // namespace

std::string read_private_file(const std::string& path, const std::string& what) {
  auto fail = [&](const std::string& why) {
    throw std::runtime_error("cannot use " + path + " as the " + what + ": " + why);
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0)
    fail(errno == ELOOP ? "it is a symbolic link" : std::strerror(errno));
  struct stat st {};
  std::string text;
  try {
    if (::fstat(fd, &st) != 0)
      fail(std::strerror(errno));
    if (!S_ISREG(st.st_mode))
      fail("it is not a regular file");
    if (st.st_uid != ::geteuid())
      fail("it is owned by another user (uid " + std::to_string(st.st_uid) + ")");
    if ((st.st_mode & 077) != 0)
      fail("its group or others may read or write it (run: chmod 600 " + path + ")");
    if (static_cast<std::size_t>(st.st_size) > max_private_file)
      fail("it is larger than " + std::to_string(max_private_file) + " bytes");
    char buf[4096];
    for (;;) {
      auto n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        fail(std::strerror(errno));
      if (n == 0)
        break;
      text.append(buf, static_cast<std::size_t>(n));
      if (text.size() > max_private_file)
        fail("it is larger than " + std::to_string(max_private_file) + " bytes");
    }
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return trimmed(text);
}

bool same_secret(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  unsigned char differ = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    differ |= static_cast<unsigned char>(a[i] ^ b[i]);
  return differ == 0;
}

} // namespace actorserve
