#include "gateways/fifo/pipe_connection.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>

#include "actors/json_depth.hpp"
#include "gateways/fifo/frame.hpp"
#include "gateways/pickle/pickle_reader.hpp"
#include "gateways/pickle/pickle_writer.hpp"

namespace actorserve::pipe {

namespace {

using steady = std::chrono::steady_clock;

/// Python sends a message of up to this size in one write with its header.
constexpr std::size_t one_write_limit = 16384;

std::string os_error(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

/// Makes the FIFO at `path` unless one is there; returns whether it made it.
bool make_fifo(const std::string& path) {
  if (path.empty() || path == ".1" || path == ".2")
    throw pipe_error("the FIFO path is empty");
  auto parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty())
    std::filesystem::create_directories(parent, ec);
  if (ec)
    throw pipe_error("cannot create the directory " + parent.string() + ": " + ec.message());
  if (::mkfifo(path.c_str(), 0600) == 0)
    return true;
  if (errno != EEXIST)
    throw pipe_error(os_error("cannot create the FIFO", path));
  // There already, perhaps made by the peer a moment ago: it must be a FIFO
  // (the link itself, not what a link points to).
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    throw pipe_error(os_error("cannot inspect", path));
  if (S_ISLNK(st.st_mode))
    throw fifo_not_private(path + " is a symbolic link; a FIFO of this service must not be");
  if (!S_ISFIFO(st.st_mode))
    throw not_a_fifo(path + " exists and is not a FIFO");
  return false;
}

/// Opens the FIFO at `path` without following a link, and refuses one that
/// another user owns or that its group or others may read or write.
int open_private_fifo(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP)
      throw fifo_not_private(path + " is a symbolic link; a FIFO of this service must not be");
    throw pipe_error(os_error("cannot open", path));
  }
  struct stat st {};
  std::string why;
  if (::fstat(fd, &st) != 0)
    why = os_error("cannot inspect", path);
  else if (!S_ISFIFO(st.st_mode))
    why = path + " is not a FIFO";
  else if (st.st_uid != ::geteuid())
    why = path + " is owned by another user (uid " + std::to_string(st.st_uid) + ")";
  else if ((st.st_mode & 077) != 0)
    why = path + " may be read or written by its group or others (mode "
          + std::to_string((st.st_mode >> 6) & 7) + std::to_string((st.st_mode >> 3) & 7)
          + std::to_string(st.st_mode & 7) + "); make it with mode 600 (chmod 600 " + path + ")";
  if (why.empty())
    return fd;
  ::close(fd);
  throw fifo_not_private(why);
}

/// Whether two descriptors are opens of one file (a path can be replaced
/// between two opens of it).
bool same_file(int a, int b) {
  struct stat sa {}, sb {};
  return ::fstat(a, &sa) == 0 && ::fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev
         && sa.st_ino == sb.st_ino;
}

} // namespace

connection::connection(std::string read_path, std::string write_path, bool keep_files)
  : read_path_(std::move(read_path)), write_path_(std::move(write_path)),
    keep_files_(keep_files) {
  try {
    created_read_ = make_fifo(read_path_);
    created_write_ = make_fifo(write_path_);
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0)
      throw pipe_error(os_error("cannot make an eventfd for", read_path_));
    // Read-write: never blocks here, and a send finds a reader (ourselves)
    // even before the peer comes, so it waits instead of failing.
    write_fd_ = open_private_fifo(write_path_, O_RDWR);
    // The same FIFO again, non-blocking, for try_send_frames (the flag
    // belongs to an open, not to the pipe): opened now, so that a send
    // never fails for want of it later.
    try_write_fd_ = open_private_fifo(write_path_, O_WRONLY | O_NONBLOCK);
    if (!same_file(write_fd_, try_write_fd_))
      throw pipe_error(write_path_ + " was replaced while it was being opened");
    // The read end too, at once (it does not wait for the peer): a FIFO
    // drops its buffered bytes when nobody has it open, so a peer that sends
    // and exits before our first receive would otherwise lose its messages.
    open_read_end();
  } catch (...) {
    // Leave nothing behind: the destructor does not run for a failed start.
    close();
    if (created_read_)
      ::unlink(read_path_.c_str());
    if (created_write_)
      ::unlink(write_path_.c_str());
    throw;
  }
}

connection::~connection() {
  close();
  remove_files();
}

void connection::remove_files() {
  if (!keep_files_) {
    if (created_read_)
      ::unlink(read_path_.c_str());
    if (created_write_)
      ::unlink(write_path_.c_str());
  }
  created_read_ = created_write_ = false;
}

void connection::close() {
  if (closed_)
    return;
  closed_ = true;
  if (read_fd_ >= 0)
    ::close(read_fd_);
  if (write_fd_ >= 0)
    ::close(write_fd_);
  if (try_write_fd_ >= 0)
    ::close(try_write_fd_);
  if (wake_fd_ >= 0)
    ::close(wake_fd_);
  read_fd_ = write_fd_ = try_write_fd_ = wake_fd_ = -1;
}

void connection::interrupt() {
  interrupted_.store(true, std::memory_order_relaxed);
  std::uint64_t one = 1;
  if (wake_fd_ >= 0) {
    auto ignored = ::write(wake_fd_, &one, sizeof one);
    (void) ignored;
  }
}

void connection::check_open() const {
  if (closed_)
    throw pipe_error("the pipe connection at " + read_path_ + " is closed");
}

void connection::open_read_end() {
  if (read_fd_ >= 0)
    return;
  // Non-blocking, so opening never waits; receives wait in poll() instead,
  // with their timeout.
  read_fd_ = open_private_fifo(read_path_, O_RDONLY | O_NONBLOCK);
}

void connection::await_next_peer() {
  check_open();
  read_len_ = 0;
  read_pos_ = 0;
  readable_ = false;
  if (read_fd_ >= 0)
    ::close(read_fd_);
  read_fd_ = -1;
}

void connection::discard_unread_sent(milliseconds linger) {
  check_open();
  int fd = ::open(write_path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return;
  char sink[65536];
  for (;;) {
    while (::read(fd, sink, sizeof sink) > 0) {
    }
    // A writer refills the pipe as it empties: drop that too as it comes,
    // rather than one pipeful per call.
    pollfd p{fd, POLLIN, 0};
    if (linger.count() <= 0 || ::poll(&p, 1, static_cast<int>(linger.count())) <= 0)
      break;
  }
  ::close(fd);
}

bool connection::poll(milliseconds timeout) {
  check_open();
  open_read_end();
  if (interrupted_.load(std::memory_order_relaxed))
    throw pipe_interrupted("receiving from " + read_path_ + " was interrupted");
  if (read_pos_ < read_len_)
    return true;
  pollfd p[2] = {{read_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  auto wait = static_cast<int>(std::clamp<long long>(timeout.count(), 0, 24LL * 3600 * 1000));
  int n;
  do {
    n = ::poll(p, 2, wait);
  } while (n < 0 && errno == EINTR);
  if (n > 0 && p[1].revents != 0)
    throw pipe_interrupted("receiving from " + read_path_ + " was interrupted");
  readable_ = n > 0 && (p[0].revents & POLLIN) != 0;
  return n > 0 && (p[0].revents & (POLLIN | POLLHUP)) != 0;
}

bool connection::peer_hung_up() {
  check_open();
  open_read_end();
  pollfd p{read_fd_, POLLIN, 0};
  int n;
  do {
    n = ::poll(&p, 1, 0);
  } while (n < 0 && errno == EINTR);
  return n > 0 && (p.revents & POLLHUP) != 0;
}

void connection::read_exact(char* out, std::size_t n, bool message_started,
                            std::optional<steady::time_point> deadline) {
  // Even a message read ahead whole is not handed out after interrupt().
  if (interrupted_.load(std::memory_order_relaxed))
    throw pipe_interrupted("receiving from " + read_path_ + " was interrupted"
                           + (message_started ? " in the middle of a message" : ""));
  if (n == 0)
    return;
  std::size_t got = std::min(n, read_len_ - read_pos_);
  if (got > 0)
    std::memcpy(out, read_buffer_.get() + read_pos_, got);
  read_pos_ += got;
  constexpr std::size_t chunk = 64 * 1024;
  // The descriptor does not block: once poll() saw bytes, or a message
  // began (its writer is there), read first and wait only when it has
  // nothing: one system call for a message that is there, not two. Before
  // that, wait first: a FIFO nobody opened yet reads as its end.
  bool wait_first = !(readable_ || message_started || got > 0);
  readable_ = false;
  while (got < n) {
    auto interrupted = [&] {
      return pipe_interrupted("receiving from " + read_path_ + " was interrupted"
                              + (message_started || got > 0 ? " in the middle of a message" : ""));
    };
    if (interrupted_.load(std::memory_order_relaxed))
      throw interrupted();
    if (wait_first) {
      // Only the wait for a message's first byte is bounded: once it began,
      // the rest is read whole, so the stream never loses its framing.
      int wait = -1;
      if (!message_started && got == 0 && deadline) {
        auto left = std::chrono::duration_cast<milliseconds>(*deadline - steady::now()).count();
        wait = static_cast<int>(std::max<long long>(0, left));
      }
      pollfd p[2] = {{read_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      int ready = ::poll(p, 2, wait);
      if (ready < 0) {
        if (errno == EINTR)
          continue;
        throw pipe_error(os_error("cannot wait on", read_path_));
      }
      if (ready > 0 && p[1].revents != 0)
        throw interrupted();
      if (ready == 0)
        throw pipe_timeout("no message on " + read_path_ + " within the timeout");
    }
    // Large rests go straight to their place; small ones through the
    // buffer, which may take the next messages along.
    bool direct = n - got >= chunk;
    if (!direct) {
      if (!read_buffer_)
        read_buffer_.reset(new char[chunk]); // not zeroed: each read fills its part
      read_pos_ = 0;
    }
    auto r = direct ? ::read(read_fd_, out + got, n - got)
                    : ::read(read_fd_, read_buffer_.get(), chunk);
    if (!direct)
      read_len_ = r > 0 ? static_cast<std::size_t>(r) : 0;
    if (r < 0) {
      if (errno == EAGAIN)
        wait_first = true;
      if (errno == EAGAIN || errno == EINTR)
        continue;
      throw pipe_error(os_error("cannot read", read_path_));
    }
    if (r == 0) {
      bool mid = message_started || got > 0;
      throw pipe_closed(mid ? "the peer closed " + read_path_ + " in the middle of a message"
                            : "the peer closed " + read_path_ + " (end of stream)",
                        mid);
    }
    if (direct) {
      got += static_cast<std::size_t>(r);
    } else {
      auto take = std::min(n - got, read_len_);
      std::memcpy(out + got, read_buffer_.get(), take);
      read_pos_ = take;
      got += take;
    }
  }
}

std::size_t connection::read_header(std::optional<steady::time_point> deadline) {
  check_open();
  open_read_end();
  char head[12];
  read_exact(head, 4, false, deadline);
  try {
    auto header = parse_frame_header({head, 4});
    if (!header) {
      read_exact(head + 4, 8, true, std::nullopt);
      header = parse_frame_header({head, 12});
    }
    return static_cast<std::size_t>(header->length);
  } catch (const pipe_error& e) {
    throw pipe_error(std::string(e.what()) + " on " + read_path_);
  }
}

void connection::skip(std::size_t n) {
  char sink[65536];
  while (n > 0) {
    auto step = std::min(n, sizeof sink);
    read_exact(sink, step, true, std::nullopt);
    n -= step;
  }
}

void connection::write_all(const char* data, std::size_t n) {
  while (n > 0) {
    auto w = ::write(write_fd_, data, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      throw pipe_error(os_error("cannot write", write_path_));
    }
    data += w;
    n -= static_cast<std::size_t>(w);
  }
}

void connection::append_frame(std::string& out, std::string_view message) {
  pipe::append_frame(out, message);
}

void connection::send_frames(std::string_view frames) {
  check_open();
  write_all(frames.data(), frames.size());
}

std::size_t connection::try_send_frames(std::string_view frames) {
  check_open();
  std::size_t written = 0;
  while (written < frames.size()) {
    auto w = ::write(try_write_fd_, frames.data() + written, frames.size() - written);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      // The pipe is full, or the write failed: a send that waits tries the
      // rest, and reports a failure.
      break;
    }
    written += static_cast<std::size_t>(w);
  }
  return written;
}

void connection::send_bytes(std::string_view buffer, std::size_t offset,
                            std::optional<std::size_t> size) {
  check_open();
  if (offset > buffer.size())
    throw std::out_of_range("offset " + std::to_string(offset) + " is past the buffer of "
                            + std::to_string(buffer.size()) + " bytes");
  auto n = size.value_or(buffer.size() - offset);
  if (n > buffer.size() - offset)
    throw std::out_of_range("offset " + std::to_string(offset) + " + size " + std::to_string(n)
                            + " is past the buffer of " + std::to_string(buffer.size())
                            + " bytes");
  auto payload = buffer.substr(offset, n);
  auto head = frame_head(n);
  if (n > one_write_limit) {
    // Python writes the header and a large message apart: so do we.
    write_all(head.data(), head.size());
    write_all(payload.data(), n);
  } else {
    head.append(payload); // small: one write
    write_all(head.data(), head.size());
  }
}

std::string connection::recv_bytes(std::optional<std::size_t> maxlength,
                                   std::optional<milliseconds> timeout) {
  std::optional<steady::time_point> deadline;
  if (timeout)
    deadline = steady::now() + *timeout;
  auto n = read_header(deadline);
  if (maxlength && n > *maxlength) {
    char first = 0; // n > maxlength >= 0: there is one
    read_exact(&first, 1, true, std::nullopt);
    skip(n - 1);
    throw message_too_long(n, *maxlength, static_cast<unsigned char>(first));
  }
  return read_message(n);
}

std::string connection::read_message(std::size_t n) {
  // The length is the peer's word: the buffer grows with the bytes that
  // come, never to a declared size before they are there.
  constexpr std::size_t step = 1024 * 1024;
  std::string out;
  while (out.size() < n) {
    auto got = out.size();
    auto take = std::min(step, n - got);
    out.resize(got + take);
    read_exact(out.data() + got, take, true, std::nullopt);
  }
  return out;
}

std::size_t connection::recv_bytes_into(char* buffer, std::size_t buffer_size,
                                        std::size_t offset, std::optional<milliseconds> timeout) {
  if (offset > buffer_size)
    throw std::out_of_range("offset " + std::to_string(offset) + " is past the buffer of "
                            + std::to_string(buffer_size) + " bytes");
  std::optional<steady::time_point> deadline;
  if (timeout)
    deadline = steady::now() + *timeout;
  auto n = read_header(deadline);
  auto room = buffer_size - offset;
  if (n > room)
    throw buffer_too_short(read_message(n), room);
  if (n > 0)
    read_exact(buffer + offset, n, true, std::nullopt);
  return n;
}

std::size_t connection::recv_bytes_into(std::vector<char>& buffer, std::size_t offset,
                                        std::optional<milliseconds> timeout) {
  return recv_bytes_into(buffer.data(), buffer.size(), offset, timeout);
}

void connection::send(const json& value) {
  send(value, encoding_);
}

void connection::send(const json& value, message_encoding encoding) {
  send_bytes(encoding == message_encoding::pickle ? pickle::encode(value) : json_text(value));
}

json connection::recv(std::optional<milliseconds> timeout) {
  auto bytes = recv_bytes(std::nullopt, timeout);
  if (pickle::is_pickle(bytes)) {
    try {
      return pickle::decode(bytes);
    } catch (const std::exception& e) {
      throw pipe_error("the message on " + read_path_ + " is a pickle outside the safe subset: "
                       + e.what());
    }
  }
  if (json_text_depth(bytes, default_max_depth) > default_max_depth)
    throw pipe_error(too_deep_message("the message on " + read_path_, default_max_depth));
  auto value = json::parse(bytes, nullptr, false);
  if (value.is_discarded())
    throw pipe_error("the message on " + read_path_ + " is not JSON");
  return value;
}

} // namespace actorserve::pipe
