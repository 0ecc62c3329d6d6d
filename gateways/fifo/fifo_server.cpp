#include "gateways/fifo/fifo_server.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "actors/call_error.hpp"
#include "actors/cancel_token.hpp"
#include "actors/error_type.hpp"
#include "actors/gateway.hpp"
#include "actors/log.hpp"
#include "actors/node.hpp"
#include "actors/private_file.hpp"
#include "actors/thread_name.hpp"
#include "gateways/client_timeout.hpp"
#include "gateways/fifo/pipe_connection.hpp"
#include "gateways/pickle/pickle_reader.hpp"
#include "gateways/pickle/pickle_writer.hpp"
#include "gateways/pickle/python_exception.hpp"

namespace actorserve::fifo {

namespace {

/// A reply as the FIFO gateway writes it: {"ok": value} or {"error": ...};
/// to a pickled message, the value pickled, or the builtins exception that
/// stands for the error.
std::string reply_text(const reply& r, bool pickled) {
  if (pickled)
    return r.ok() ? pickle::encode(r.value())
                  : pickle::encode_error(r.error_type(), r.error_message());
  auto error = [](const std::string& type, const std::string& message) {
    return json_text(json{{"error", error_body(type, message)}});
  };
  if (!r.ok())
    return error(r.error_type(), r.error_message());
  if (r.value().is_binary())
    return error(error_type::bad_request,
                 "the route answered raw bytes, which a JSON reply cannot carry");
  // As json_text(json{{"ok", value}}) writes it, without copying the value.
  return "{\"ok\":" + json_text(r.value()) + "}";
}

/// reply_text, or, should encoding fail, the error that says so: every
/// message gets a frame, so no later reply is taken for its answer.
std::string encoded_reply(const reply& r, bool pickled) {
  try {
    return reply_text(r, pickled);
  } catch (const std::exception& e) {
    return reply_text(reply::failure(error_type::route_failed,
                                     std::string("the reply could not be encoded: ") + e.what()),
                      pickled);
  }
}

} // namespace

/// A reader thread takes messages and starts calls. Replies go out in
/// message order. The reply to the one message in flight is written by the
/// thread that has it (this reader thread, when a non-blocking route ran
/// on it, else a scheduler thread: no hand-over to another thread before
/// the write), as far as the pipe takes it without waiting. The
/// rest, and what a full pipe did not take, a writer thread writes, many
/// replies in one write; it may wait while the peer is slow to read. No
/// actor ever waits on the pipe.
class fifo_server::impl : public std::enable_shared_from_this<fifo_server::impl> {
public:
  impl(node& n, fifo_options options)
    : node_(n), options_(std::move(options)), pipe_(options_.path, options_.keep_files) {
  }

  void read_loop();
  void write_loop();
  /// Queues the next reply slot, for a message of `bytes`; returns its
  /// number.
  std::uint64_t reserve(std::size_t bytes, bool pickled);
  /// Waits until the calls in flight leave room for one more message.
  void await_room();
  void fill(std::uint64_t seq, reply r);
  /// Writes what is ready at the head of the reply queue, in order, until
  /// nothing is; under the lock, which it lets go while writing. Without
  /// `may_wait`, what the pipe does not take at once is left in unsent_.
  void write_ready(std::unique_lock<std::mutex>& guard, bool may_wait);
  /// On stop: writes what a write without waiting left of a frame.
  void finish_begun_frame(std::unique_lock<std::mutex>& guard);
  /// Whether the reply at the head of the queue can go (or be dropped).
  bool head_ready() const;
  void handle(const std::string& message, bool pickled, std::uint64_t seq);
  json read_request(const std::string& message, bool pickled, std::uint64_t seq);
  void peer_left();
  void begin_drain(std::function<void()> drained);
  void stop();
  void check_drained(std::unique_lock<std::mutex>& guard);

  node& node_;
  fifo_options options_;
  pipe::server pipe_;
  std::thread reader_;
  std::thread writer_;
  gateway_metrics metrics_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::condition_variable writer_wanted_; // the writer thread's: unsent_ or a stop
  /// A message read and not yet answered on the pipe.
  struct slot {
    std::uint64_t session; // the peer it came from
    std::size_t bytes;     // the message's size, for the in-flight budget
    bool pickled;          // the message was a pickle: so is its reply
    std::optional<reply> answer;
    std::shared_ptr<cancel_token> cancel; // of its call, while unanswered
  };
  /// Its reply can go out: answered, or dropped (a departed peer's).
  bool writable(const slot& s) const;
  std::map<std::uint64_t, slot> slots_; // by sequence number
  std::size_t in_flight_bytes_ = 0;
  std::uint64_t next_seq_ = 1;
  std::uint64_t next_write_ = 1;
  std::uint64_t session_ = 1;
  bool draining_ = false;
  bool stopping_ = false;
  bool writer_done_ = false;
  bool writer_busy_ = false;
  /// Frames a thread that must not wait left unwritten, the pipe being
  /// full, and the in-flight bytes of their messages: the writer thread's.
  std::string unsent_;
  std::size_t unsent_bytes_ = 0;
  std::function<void()> drained_;
};

std::uint64_t fifo_server::impl::reserve(std::size_t bytes, bool pickled) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto seq = next_seq_++;
  slots_.emplace(seq, slot{session_, bytes, pickled, std::nullopt, nullptr});
  in_flight_bytes_ += bytes;
  return seq;
}

void fifo_server::impl::await_room() {
  // A budget always holds one whole message.
  auto budget = std::max(options_.max_in_flight_bytes, options_.max_message);
  std::unique_lock<std::mutex> guard{mutex_};
  auto room = [&] {
    return stopping_ || (slots_.size() < options_.max_in_flight && in_flight_bytes_ < budget);
  };
  while (!changed_.wait_for(guard, std::chrono::milliseconds(100), room)) {
    // A peer that left will read no reply: what it sent is read (the pipe
    // holds little, and no more can come), so that its leaving is seen and
    // the writer it blocked is freed.
    guard.unlock();
    bool gone = pipe_.peer_hung_up();
    guard.lock();
    if (gone)
      return;
  }
}

void fifo_server::impl::fill(std::uint64_t seq, reply r) {
  std::unique_lock<std::mutex> guard{mutex_};
  auto it = slots_.find(seq);
  if (it == slots_.end())
    return;
  it->second.answer = std::move(r);
  it->second.cancel = nullptr;
  // Until the reply the peer waits for next is here, nothing can go out; a
  // writer at work takes it too when it is done.
  if (seq != next_write_ || writer_busy_)
    return;
  // The one message in flight: this thread writes its reply at once. With
  // more, the writer thread writes, gathering the replies that come
  // meanwhile into one write (a write per reply costs the peer that keeps
  // many in flight a tenth of its rate). Before unsent_, nothing goes out.
  if (slots_.size() == 1 && unsent_.empty())
    write_ready(guard, false);
  else
    writer_wanted_.notify_one();
}

bool fifo_server::impl::writable(const slot& s) const {
  return s.answer || s.session != session_;
}

bool fifo_server::impl::head_ready() const {
  auto it = slots_.find(next_write_);
  return it != slots_.end() && writable(it->second);
}

void fifo_server::impl::write_ready(std::unique_lock<std::mutex>& guard, bool may_wait) {
  while (!stopping_ && !writer_busy_ && (head_ready() || !unsent_.empty())) {
    // Every reply that is ready, in order, goes out in one write.
    std::string frames = std::move(unsent_);
    std::size_t bytes = unsent_bytes_;
    unsent_.clear();
    unsent_bytes_ = 0;
    std::vector<std::pair<reply, bool>> ready; // and whether it is pickled
    for (auto it = slots_.find(next_write_); it != slots_.end() && writable(it->second);
         it = slots_.find(next_write_)) {
      if (it->second.answer && it->second.session == session_)
        ready.emplace_back(std::move(*it->second.answer), it->second.pickled);
      bytes += it->second.bytes;
      slots_.erase(it);
      ++next_write_;
    }
    std::size_t written = 0;
    if (!ready.empty() || !frames.empty()) {
      writer_busy_ = true;
      auto session = session_;
      guard.unlock();
      try {
        for (auto& [r, pickled] : ready)
          pipe::connection::append_frame(frames, encoded_reply(r, pickled));
        // Without waiting, a failed write is left to the writer thread,
        // which reports it: it takes what was not written.
        written = may_wait ? (pipe_.send_frames(frames), frames.size())
                           : pipe_.try_send_frames(frames);
      } catch (const std::exception& e) {
        log::error("FIFO gateway at " + options_.path + ": " + e.what());
        written = frames.size(); // dropped: a blocking send failed, or memory ran out
      }
      guard.lock();
      writer_busy_ = false;
      if (stopping_)
        writer_wanted_.notify_all(); // the writer thread finishes a frame begun
      if (session != session_)
        written = frames.size(); // the peer left meanwhile: nobody reads the rest
    }
    if (written < frames.size()) {
      // The pipe is full: the writer thread waits for the peer instead.
      unsent_ = frames.substr(written);
      unsent_bytes_ = bytes;
      writer_wanted_.notify_one();
      changed_.notify_all(); // writer_busy_ went back
      return;
    }
    in_flight_bytes_ -= bytes; // written (or a departed peer's): the reader may go on
    changed_.notify_all();
    check_drained(guard);
  }
}

json fifo_server::impl::read_request(const std::string& message, bool pickled,
                                     std::uint64_t seq) {
  if (pickled) {
    try {
      return pickle::decode(message, pickle::read_limits{options_.max_depth});
    } catch (const call_error& e) {
      fill(seq, reply::failure(e.type(), e.what()));
      return json(json::value_t::discarded);
    }
  }
  if (json_text_depth(message, options_.max_depth) > options_.max_depth) {
    fill(seq, reply::failure(error_type::bad_request,
                             too_deep_message("the message", options_.max_depth)));
    return json(json::value_t::discarded);
  }
  auto request = json::parse(message, nullptr, false);
  if (request.is_discarded())
    fill(seq, reply::failure(error_type::bad_request, "the message is not valid JSON"));
  return request;
}

void fifo_server::impl::handle(const std::string& message, bool pickled, std::uint64_t seq) {
  auto request = read_request(message, pickled, seq);
  if (request.is_discarded())
    return; // answered
  if (!request.is_array() || request.size() < 2 || request.size() > 3 || !request[0].is_string()
      || (request.size() == 3 && !request[2].is_object()))
    return fill(seq, reply::failure(error_type::bad_request,
                                    pickled ? "a pickled message is the tuple (path, data) or "
                                              "(path, data, options)"
                                            : "a message is the JSON array [path, data] or "
                                              "[path, data, options]"));
  client_timeout asked;
  if (request.size() == 3 && request[2].contains("timeout"))
    asked = client_timeout_of(request[2]["timeout"]);
  if (!asked.error.empty())
    return fill(seq, reply::failure(error_type::bad_request, asked.error));
  auto path = request[0].get<std::string>();
  if (!options_.shutdown_path.empty() && path == options_.shutdown_path) {
    if (!options_.stop_token.empty()
        && !(request[1].is_string()
             && same_secret(request[1].get_ref<const std::string&>(), options_.stop_token)))
      return fill(seq, reply::failure(error_type::forbidden,
                                      path + " needs the stop token as its data: [\"" + path
                                        + "\", \"<token>\"]"));
    fill(seq, reply{});
    node_.shutdown();
    return;
  }
  bool draining;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    draining = draining_;
  }
  if (draining)
    return fill(seq, reply::failure(error_type::shutting_down,
                                    "the service is shutting down and takes no new calls"));
  call c{std::move(path), std::move(request[1]),
         node_.deadline_after(call_time(options_.call_timeout, asked)), 0, nullptr};
  {
    // Cancelled if the peer leaves before the reply is written.
    std::lock_guard<std::mutex> guard{mutex_};
    auto it = slots_.find(seq);
    if (it == slots_.end() || it->second.session != session_)
      return; // the peer is gone already
    c.cancel = it->second.cancel = std::make_shared<cancel_token>();
    // Which peer (session) and which of its messages, in log lines: "fifo#2:17".
    c.request_id = "fifo#" + std::to_string(session_) + ":" + std::to_string(seq);
  }
  // The reply may come after the gateway is gone: hold it weakly.
  std::weak_ptr<impl> weak = shared_from_this();
  // A non-blocking route runs on this reader thread, which then writes
  // the reply of the one message in flight itself.
  node_.call_async(
    std::move(c),
    [weak, seq](reply r) {
      if (auto self = weak.lock())
        self->fill(seq, std::move(r));
    },
    node::run_on::calling_thread);
}

void fifo_server::impl::read_loop() {
  for (;;) {
    {
      // Reading goes on while draining: new messages are answered
      // ShuttingDown, in order, as every gateway does.
      std::lock_guard<std::mutex> guard{mutex_};
      if (stopping_)
        break;
    }
    // Back-pressure: with too much in flight the peer's writes wait.
    await_room();
    try {
      // Wake up now and then to notice a drain.
      if (!pipe_.poll(std::chrono::hours(24)))
        continue;
      auto message = pipe_.recv_bytes(options_.max_message, std::chrono::milliseconds(0));
      metrics_.request();
      metrics_.open(1); // a peer is there: it sent this
      auto pickled = pickle::is_pickle(message);
      handle(message, pickled, reserve(message.size(), pickled));
    } catch (const pipe::message_too_long& e) {
      // Answered in the message's encoding, told by its first byte.
      char first = static_cast<char>(e.first_byte());
      fill(reserve(0, pickle::is_pickle(std::string_view(&first, 1))),
           reply::failure(error_type::payload_too_large, e.what()));
    } catch (const pipe::pipe_closed&) {
      peer_left();
    } catch (const pipe::pipe_timeout&) {
      // a poll that saw the peer leave rather than a message
    } catch (const pipe::pipe_interrupted&) {
      break; // stopping: a peer that stalled mid-message must not hold us
    } catch (const std::exception& e) {
      // The stream lost its framing (a bad length): start over with the
      // next peer rather than read garbage.
      log::error("FIFO gateway at " + options_.path + ": " + e.what()
                 + "; waiting for the next peer");
      peer_left();
    }
  }
  std::unique_lock<std::mutex> guard{mutex_};
  check_drained(guard);
}

void fifo_server::impl::peer_left() {
  metrics_.open(0);
  {
    std::unique_lock<std::mutex> guard{mutex_};
    ++session_; // replies still due to the old peer are dropped
    // ...and its calls that still wait are dropped too.
    for (auto& [seq, sl] : slots_)
      if (!sl.answer && sl.cancel)
        sl.cancel->cancel();
    changed_.notify_all();
    // Let a write under way finish before dropping what is unread, so no
    // part of a message is left for the next peer. Nobody reads the pipe
    // now, so a write that filled it is freed by dropping what it holds,
    // as fast as it writes (a peer that comes meanwhile would read it).
    while (writer_busy_ && !stopping_) {
      guard.unlock();
      pipe_.discard_unread_sent(std::chrono::milliseconds(10));
      guard.lock();
    }
    in_flight_bytes_ -= unsent_bytes_; // what a full pipe left unsent: dropped
    unsent_.clear();
    unsent_bytes_ = 0;
    write_ready(guard, false); // drops the old peer's slots, freeing their room
  }
  pipe_.await_next_peer();
  pipe_.discard_unread_sent();
}

void fifo_server::impl::write_loop() {
  std::unique_lock<std::mutex> guard{mutex_};
  for (;;) {
    writer_wanted_.wait(guard, [this] {
      return stopping_ || (!writer_busy_ && (!unsent_.empty() || head_ready()));
    });
    if (stopping_) {
      finish_begun_frame(guard);
      writer_done_ = true;
      changed_.notify_all();
      return;
    }
    write_ready(guard, true);
  }
}

void fifo_server::impl::finish_begun_frame(std::unique_lock<std::mutex>& guard) {
  // A write without waiting may be under way; what it leaves is a frame's
  // rest, which goes out so the peer never holds half a frame. (A peer that
  // does not read is dealt with by the destructor, which drops what it
  // wrote.)
  writer_wanted_.wait(guard, [this] { return !writer_busy_; });
  if (unsent_.empty())
    return;
  auto rest = std::move(unsent_);
  unsent_.clear();
  writer_busy_ = true;
  guard.unlock();
  try {
    pipe_.send_frames(rest);
  } catch (const std::exception& e) {
    log::error("FIFO gateway at " + options_.path + ": " + e.what());
  }
  guard.lock();
  writer_busy_ = false;
}

void fifo_server::impl::check_drained(std::unique_lock<std::mutex>& guard) {
  if (!draining_ || next_write_ != next_seq_ || !unsent_.empty() || writer_busy_ || !drained_)
    return;
  auto done = std::move(drained_);
  drained_ = nullptr;
  guard.unlock();
  done();
  guard.lock();
}

void fifo_server::impl::begin_drain(std::function<void()> drained) {
  std::unique_lock<std::mutex> guard{mutex_};
  draining_ = true;
  drained_ = std::move(drained);
  check_drained(guard);
}

void fifo_server::impl::stop() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    stopping_ = true;
    drained_ = nullptr;
  }
  pipe_.interrupt(); // frees a reader waiting for the rest of a message
  changed_.notify_all();
  writer_wanted_.notify_all();
}

void fifo_options::check() const {
  auto refuse = [](const std::string& why) {
    throw std::invalid_argument("FIFO gateway: " + why);
  };
  if (max_message == 0)
    refuse("the message limit must be at least 1 byte");
  if (max_in_flight == 0)
    refuse("the calls in flight must be at least 1");
  if (call_timeout.count() <= 0)
    refuse("the call timeout must be above 0");
  if (!path.empty() && path.back() == '/')
    refuse("the path is the FIFOs' name, PATH.1 and PATH.2 beside each other, not a folder; "
           "got '" + path + "'");
}

fifo_server::fifo_server(node& n, fifo_options options) {
  options.check();
  impl_ = std::make_shared<impl>(n, std::move(options));
  impl_->metrics_ = gateway_metrics_of(n, "fifo");
  impl_->reader_ = std::thread([self = impl_.get()] { self->read_loop(); });
  name_thread(impl_->reader_, thread_names::fifo_reader);
  impl_->writer_ = std::thread([self = impl_.get()] { self->write_loop(); });
  name_thread(impl_->writer_, thread_names::fifo_writer);
  join_gateway(n, std::weak_ptr<impl>(impl_));
}

fifo_server::~fifo_server() {
  impl_->stop();
  impl_->reader_.join();
  {
    // The replies already written stay in the pipe for the peer to read.
    // Only a writer stuck on a full pipe that nobody reads is freed, by
    // dropping what it wrote.
    std::unique_lock<std::mutex> guard{impl_->mutex_};
    if (!impl_->changed_.wait_for(guard, std::chrono::seconds{2},
                                  [this] { return impl_->writer_done_; })) {
      while (!impl_->writer_done_) {
        guard.unlock();
        impl_->pipe_.discard_unread_sent();
        guard.lock();
        impl_->changed_.wait_for(guard, std::chrono::milliseconds(10),
                                 [this] { return impl_->writer_done_; });
      }
    }
  }
  impl_->writer_.join();
  // A reply's callback may hold the gateway a moment longer: the files go
  // now, so that a gateway started again on the path keeps its own.
  impl_->pipe_.remove_files();
}

const std::string& fifo_server::path() const {
  return impl_->options_.path;
}

} // namespace actorserve::fifo
