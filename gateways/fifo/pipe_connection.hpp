#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/json.hpp"
#include "gateways/fifo/pipe_error.hpp"

namespace actorserve::pipe {

using std::chrono::milliseconds;

/// How send() writes a value: as JSON text, or as a pickle that Python's
/// multiprocessing.connection (and mpservice.pipe) reads with recv().
enum class message_encoding { json, pickle };

/// One end of a pair of named pipes (FIFOs), framed exactly as Python's
/// multiprocessing.connection.Connection frames messages: a 4-byte
/// big-endian signed length, or -1 and an 8-byte big-endian length for
/// messages over 2^31-1 bytes, then the bytes. A Python process that opens
/// the same FIFOs with multiprocessing.connection can talk to it.
///
/// Both ends are opened at construction without waiting for the peer. The
/// write end is opened read-write, so a send never fails for want of a
/// reader: it waits when the pipe's buffer is full. A receive waits for the
/// peer's next message, with an optional timeout.
class connection {
public:
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Closes both ends and removes the FIFO files this end created (unless
  /// told to keep them).
  virtual ~connection();

  /// Sends a value, in this end's encoding (JSON unless set_encoding said
  /// otherwise).
  void send(const json& value);

  /// Sends a value in `encoding`.
  void send(const json& value, message_encoding encoding);

  /// Receives a value, sent as JSON text or as a pickle (protocols 2 to 5,
  /// the safe subset of gateways/pickle: plain values only), whichever the
  /// message is: a pickle begins with byte 0x80, which JSON text never
  /// does. pipe_error when it is neither, or nests deeper than
  /// default_max_depth.
  json recv(std::optional<milliseconds> timeout = std::nullopt);

  /// The encoding send() uses from now on; a peer that speaks Python's
  /// Connection.send and recv wants message_encoding::pickle.
  void set_encoding(message_encoding encoding) noexcept {
    encoding_ = encoding;
  }

  message_encoding encoding() const noexcept {
    return encoding_;
  }

  /// Sends `size` bytes of `buffer` from `offset` (all that follow, when
  /// size is not given); std::out_of_range when they are not in the buffer.
  void send_bytes(std::string_view buffer, std::size_t offset = 0,
                  std::optional<std::size_t> size = std::nullopt);

  /// Appends `message` to `out`, framed, for send_frames.
  static void append_frame(std::string& out, std::string_view message);

  /// Sends messages already framed by append_frame, in one write where the
  /// pipe takes it (a writer with many replies saves a call per message).
  void send_frames(std::string_view frames);

  /// Writes as much of `frames` as the pipe takes without waiting; returns
  /// how many bytes that was (a thread that must not wait writes the rest
  /// later, or hands it on). Never throws for a failed write: the send
  /// that writes the rest reports it.
  std::size_t try_send_frames(std::string_view frames);

  /// Removes the FIFO files this end made (unless it keeps them) now,
  /// rather than when it is destroyed, which a thread still finishing
  /// with it may do later.
  void remove_files();

  /// Receives one message; message_too_long past `maxlength`.
  std::string recv_bytes(std::optional<std::size_t> maxlength = std::nullopt,
                         std::optional<milliseconds> timeout = std::nullopt);

  /// Receives one message into `buffer` from `offset`; returns its size.
  /// buffer_too_short (carrying the message) when it does not fit;
  /// std::out_of_range when offset is past the buffer.
  std::size_t recv_bytes_into(std::vector<char>& buffer, std::size_t offset = 0,
                              std::optional<milliseconds> timeout = std::nullopt);
  std::size_t recv_bytes_into(char* buffer, std::size_t buffer_size, std::size_t offset = 0,
                              std::optional<milliseconds> timeout = std::nullopt);

  /// Waits up to `timeout` for something to receive (a message, or the end
  /// of the stream); false when nothing came.
  bool poll(milliseconds timeout);

  /// Whether the peer has closed its end since it opened it (what is still
  /// buffered can be read, and no more can come). Never waits.
  bool peer_hung_up();

  /// Forgets the current peer: the next receive waits for a new one.
  void await_next_peer();

  /// Drops what this end sent that nobody read (left for a peer that went
  /// away), so a new peer starts clean. With `linger`, goes on dropping
  /// what a write under way adds, until nothing comes for that long.
  void discard_unread_sent(milliseconds linger = milliseconds{0});

  /// Makes every receive under way and to come throw pipe_interrupted, at
  /// once, even one waiting for the rest of a message from a peer that
  /// stalled. Callable from any thread; for a reader that must stop.
  void interrupt();

  /// Closes both ends; later calls throw pipe_error.
  void close();

  const std::string& read_path() const noexcept {
    return read_path_;
  }

  const std::string& write_path() const noexcept {
    return write_path_;
  }

protected:
  connection(std::string read_path, std::string write_path, bool keep_files);

private:
  void open_read_end();
  void read_exact(char* out, std::size_t n, bool message_started,
                  std::optional<std::chrono::steady_clock::time_point> deadline);
  std::size_t read_header(std::optional<std::chrono::steady_clock::time_point> deadline);
  void skip(std::size_t n);
  std::string read_message(std::size_t n);
  void write_all(const char* data, std::size_t n);
  void check_open() const;

  std::string read_path_;
  std::string write_path_;
  bool keep_files_;
  bool created_read_ = false;
  bool created_write_ = false;
  int read_fd_ = -1;
  int write_fd_ = -1;
  int try_write_fd_ = -1; // the same FIFO, non-blocking, for try_send_frames
  int wake_fd_ = -1; // an eventfd, readable once interrupt() was called
  std::atomic<bool> interrupted_{false}; // the same, for a receive that need not wait
  // Bytes read ahead of the current message: small messages arrive many to
  // a read. Allocated once, never cleared: a read fills what it uses.
  std::unique_ptr<char[]> read_buffer_;
  std::size_t read_len_ = 0;
  std::size_t read_pos_ = 0;
  bool readable_ = false; // poll() saw bytes to read, and nothing read them yet
  bool closed_ = false;
  message_encoding encoding_ = message_encoding::json;
};

/// The serving end of the pair at `path`: reads `path.1`, writes `path.2`.
class server : public connection {
public:
  explicit server(const std::string& path, bool keep_files = false)
    : connection(path + ".1", path + ".2", keep_files) {
  }
};

/// The calling end of the pair at `path`: reads `path.2`, writes `path.1`.
class client : public connection {
public:
  explicit client(const std::string& path, bool keep_files = false)
    : connection(path + ".2", path + ".1", keep_files) {
  }
};

} // namespace actorserve::pipe
