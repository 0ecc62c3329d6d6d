#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace actorserve::pipe {

/// Anything that goes wrong on a pipe pair.
class pipe_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The peer closed its end: before a message began (`mid_message` false,
/// Python's EOFError) or in the middle of one.
class pipe_closed : public pipe_error {
public:
  pipe_closed(const std::string& what, bool mid_message)
    : pipe_error(what), mid_message_(mid_message) {
  }

  bool mid_message() const noexcept {
    return mid_message_;
  }

private:
  bool mid_message_;
};

/// No message (or no peer) within the time given.
class pipe_timeout : public pipe_error {
public:
  using pipe_error::pipe_error;
};

/// interrupt() was called: receives give up, even in the middle of a
/// message (the stream's framing is then lost; the connection is done).
class pipe_interrupted : public pipe_error {
public:
  using pipe_error::pipe_error;
};

/// A message longer than the receiver's maxlength. The message was read
/// and dropped, so the next receive starts at the next message.
class message_too_long : public pipe_error {
public:
  message_too_long(std::size_t length, std::size_t maxlength, unsigned char first_byte = 0)
    : pipe_error("bad message length: " + std::to_string(length)
                 + " bytes, longer than the maxlength of " + std::to_string(maxlength)),
      length_(length), maxlength_(maxlength), first_byte_(first_byte) {
  }

  /// The message's first byte (a reply may want to answer in the
  /// message's own encoding: a pickle begins with 0x80).
  unsigned char first_byte() const noexcept {
    return first_byte_;
  }

  std::size_t length() const noexcept {
    return length_;
  }

  std::size_t maxlength() const noexcept {
    return maxlength_;
  }

private:
  std::size_t length_;
  std::size_t maxlength_;
  unsigned char first_byte_;
};

/// recv_bytes_into's buffer cannot hold the message. The message was
/// consumed and is carried here whole.
class buffer_too_short : public pipe_error {
public:
  buffer_too_short(std::string message, std::size_t room)
    : pipe_error("the buffer has room for " + std::to_string(room) + " bytes; the message has "
                 + std::to_string(message.size())),
      message_(std::move(message)) {
  }

  const std::string& message() const noexcept {
    return message_;
  }

private:
  std::string message_;
};

/// A path that should be a FIFO is something else.
class not_a_fifo : public pipe_error {
public:
  using pipe_error::pipe_error;
};

/// A FIFO that others could use: a symbolic link, owned by another user, or
/// one its group or others may read or write (they could send requests or
/// read replies).
class fifo_not_private : public pipe_error {
public:
  using pipe_error::pipe_error;
};

} // namespace actorserve::pipe
