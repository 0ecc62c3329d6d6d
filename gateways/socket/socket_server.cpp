#include "gateways/socket/socket_server.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "actors/call_error.hpp"
#include "actors/cancel_token.hpp"
#include "actors/error_type.hpp"
#include "actors/gateway.hpp"
#include "actors/log.hpp"
#include "actors/node.hpp"
#include "actors/private_file.hpp"
#include "actors/thread_name.hpp"
#include "gateways/client_timeout.hpp"
#include "gateways/pickle/pickle_reader.hpp"
#include "gateways/pickle/pickle_writer.hpp"
#include "gateways/pickle/python_exception.hpp"
#include "gateways/socket/codec.hpp"
#include "gateways/earliest_timer.hpp"
#include "gateways/reads_per_turn.hpp"
#include "gateways/steady_after.hpp"
#include "gateways/tcp_listen.hpp"

namespace actorserve::socket {

namespace asio = boost::asio;
using generic = asio::generic::stream_protocol;
using steady = std::chrono::steady_clock;

namespace {

/// Whether a server answers at the Unix socket `path`.
bool unix_socket_is_live(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  bool live = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return live;
}

/// Makes `path` ready to bind: parent directories, a stale socket removed.
void prepare_unix_path(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.size() >= sizeof(sockaddr_un::sun_path))
    throw std::runtime_error("socket path " + path + " is longer than "
                             + std::to_string(sizeof(sockaddr_un::sun_path) - 1)
                             + " bytes");
  auto parent = fs::path(path).parent_path();
  if (!parent.empty())
    fs::create_directories(parent);
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    return;
  if (!S_ISSOCK(st.st_mode))
    throw std::runtime_error("cannot listen at " + path
                             + ": a file that is not a socket is there");
  if (unix_socket_is_live(path))
    throw std::runtime_error("cannot listen at " + path
                             + ": another server is listening there");
  ::unlink(path.c_str()); // left by a server that is gone
}

} // namespace

class connection;

class socket_server::impl : public std::enable_shared_from_this<socket_server::impl> {
public:
  impl(node& n, socket_options options) : node_(n), options_(std::move(options)) {
  }

  void listen();
  void start();
  void accept();
  void refuse(generic::socket sock);
  void begin_drain(std::function<void()> drained);
  void stop();
  void check_drained();
  void request_shutdown() {
    node_.shutdown();
  }

  node& node_;
  socket_options options_;
  asio::io_context io_{1};
  // Keeps the I/O thread running while nothing is pending (after the drain
  // closed the acceptor) until stop.
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  asio::basic_socket_acceptor<generic> acceptor_{io_};
  std::string endpoint_;
  bool unix_ = false;
  std::thread thread_;
  std::unordered_set<std::shared_ptr<connection>> connections_;
  gateway_metrics metrics_;
  std::size_t in_flight_ = 0; // every connection's calls
  std::uint64_t connections_made_ = 0; // numbers connections in log lines
  std::size_t incomplete_bytes_ = 0; // every connection's records under way
  bool draining_ = false;
  bool stopped_ = false;
  std::function<void()> drained_;

  /// Runs `work` on the I/O thread, or drops it once that thread is done:
  /// a handler queued on a stopped io_context would never run, and would
  /// keep alive what it holds (this impl among them) for good.
  template <class F>
  void post(F&& work) {
    std::unique_lock<std::mutex> guard{post_mutex_};
    if (io_finished_) {
      guard.unlock();
      return; // `work` is destroyed here, outside the lock
    }
    asio::post(io_, std::forward<F>(work));
  }

  std::mutex post_mutex_;
  bool io_finished_ = false;
};

/// One client connection: reads records, makes calls, writes replies in the
/// order they complete. Lives on the server's I/O thread, but for one
/// thing: the reply to the connection's one call in flight is written by
/// the thread that has it (answer()), which saves the client a thread
/// hand-over. What that thread touches is
/// under `out_mutex_` (`out_`, `writing_`, `closed_`, the ids in flight,
/// closing the socket) or atomic (`awaiting_reply_`); it also encodes that
/// reply and may log at debug.
class connection : public std::enable_shared_from_this<connection> {
public:
  connection(std::shared_ptr<socket_server::impl> server, generic::socket sock)
    : server_(std::move(server)),
      socket_(std::move(sock)),
      fd_(socket_.native_handle()),
      timer_(socket_.get_executor()),
      write_timer_(socket_.get_executor()),
      name_((server_->unix_ ? "unix#" : "tcp#") + std::to_string(++server_->connections_made_)) {
  }

  void start() {
    read();
    watch();
  }

  void close() {
    if (closed_)
      return;
    timer_.cancel();
    write_timer_.cancel();
    count_incomplete(0);
    // The client is gone: its calls that still wait are dropped.
    std::vector<std::shared_ptr<cancel_token>> waiting;
    {
      std::lock_guard<std::mutex> guard{out_mutex_};
      for (auto& [id, cancel] : ids_in_flight_)
        waiting.push_back(cancel);
    }
    for (auto& cancel : waiting)
      cancel->cancel();
    {
      // A reply being written from another thread finishes first; none is
      // written after (its descriptor may be another file's by then).
      std::lock_guard<std::mutex> guard{out_mutex_};
      closed_ = true;
      boost::system::error_code ignored;
      socket_.shutdown(generic::socket::shutdown_both, ignored);
      socket_.close(ignored);
    }
    auto server = server_; // erasing may end this connection
    server->connections_.erase(shared_from_this());
    server->metrics_.open(server->connections_.size());
    server->check_drained(); // a closed connection holds no drain
  }

  /// Nothing to write and nothing being written.
  bool idle() const {
    std::lock_guard<std::mutex> guard{out_mutex_};
    return closed_ || (out_.empty() && !writing_);
  }

  std::size_t in_flight() const {
    return in_flight_;
  }

private:
  /// Reads and handles what the peer sent while the connection may take
  /// more. After a read that got less than it asked for, the socket is read
  /// only once it is readable again: a client that waits for its reply
  /// sends nothing meanwhile, so a read tried sooner would find nothing, at
  /// a system call each time.
  void read() {
    int reads = 0;
    while (!(closed_ || waiting_ || paused() || broken_ || peer_done_)) {
      if (!socket_has_more_)
        return wait_readable();
      if (++reads > max_reads_per_turn)
        return read_later();
      auto n = ::recv(fd_, chunk_.data(), chunk_.size(), MSG_DONTWAIT);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        socket_has_more_ = false;
        continue;
      }
      if (n < 0) {
        // The peer went away: replies still due are dropped.
        close();
        return;
      }
      if (n == 0) {
        // The peer is done sending: answer what it sent, then close. Unless
        // it is gone altogether (watch_hang_up closes at once then): nobody
        // reads the replies, and its calls still waiting are dropped.
        peer_done_ = true;
        watch_hang_up();
        if (!closed_)
          write();
        return;
      }
      socket_has_more_ = static_cast<std::size_t>(n) == chunk_.size();
      in_.append(chunk_.data(), static_cast<std::size_t>(n));
      process();
      check_budget();
      watch();
    }
  }

  /// Whether the peer is gone altogether, not only done sending: it closed
  /// a Unix socket (POLLHUP), or the connection failed (a TCP reset). Over
  /// TCP a close looks like a half-close until a reply written to it is
  /// refused with a reset.
  bool peer_hung_up() const {
    pollfd p{fd_, 0, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR)) != 0;
  }

  /// After a half-close, the peer may still close altogether while its
  /// calls wait: the socket's hang-up ends the connection then, without
  /// waiting for a reply's write to fail. (The socket stays readable at its
  /// end, so only its error and hang-up events are waited for.)
  void watch_hang_up() {
    socket_.async_wait(generic::socket::wait_error,
                       [self = shared_from_this()](boost::system::error_code ec) {
                         if (self->closed_ || ec == asio::error::operation_aborted)
                           return;
                         if (ec || self->peer_hung_up()) {
                           self->close();
                           return;
                         }
                         // Defensive, not seen on Linux: the one other event
                         // this wait wakes for is urgent (out-of-band) data,
                         // whose mark reading to the end has cleared. Read
                         // past any, and wait again a bounded number of
                         // times: a state that kept waking us would otherwise
                         // spin this thread.
                         char urgent = 0;
                         [[maybe_unused]] auto n
                           = ::recv(self->fd_, &urgent, 1, MSG_OOB | MSG_DONTWAIT);
                         if (++self->hang_up_wakes_ < max_hang_up_wakes) {
                           self->watch_hang_up();
                           return;
                         }
                         log::debug("socket gateway at " + self->server_->endpoint_ + ": "
                                    + self->name_ + " stops watching for its peer's close"
                                    " after " + std::to_string(max_hang_up_wakes)
                                    + " wakes without one");
                       });
    // A hang-up before the wait was armed, caught without relying on what
    // the reactor reports for a state already set.
    if (peer_hung_up())
      close();
  }

  void read_later() {
    waiting_ = true;
    server_->post([self = shared_from_this()] {
      self->waiting_ = false;
      self->read();
    });
  }

  void wait_readable() {
    waiting_ = true;
    socket_.async_wait(generic::socket::wait_read,
                       [self = shared_from_this()](boost::system::error_code ec) {
                         self->waiting_ = false;
                         if (self->closed_)
                           return;
                         if (ec) {
                           // The server closed us, or the socket failed.
                           self->close();
                           return;
                         }
                         self->socket_has_more_ = true;
                         self->read();
                       });
  }

  /// Counts this connection's bytes of records not yet complete in the
  /// server's total.
  void count_incomplete(std::size_t bytes) {
    server_->incomplete_bytes_ = server_->incomplete_bytes_ - counted_ + bytes;
    counted_ = bytes;
  }

  /// Records under way on every connection hold at most the budget: the one
  /// that would pass it is refused.
  void check_budget() {
    if (closed_ || broken_)
      return; // process() has just counted what is under way
    auto budget = server_->options_.max_incomplete_bytes;
    if (server_->incomplete_bytes_ <= budget)
      return;
    auto id = header_ ? header_->id : std::string{unknown_id};
    reply_error(id, error_type::backlog_full,
                "the service holds " + std::to_string(server_->incomplete_bytes_)
                  + " bytes of records not yet complete, more than its budget of "
                  + std::to_string(budget) + "; send the record again later",
                header_pickled());
    broken_ = true;
    in_.clear();
    start_ = 0;
    header_.reset();
    count_incomplete(0);
  }

  /// Whether the record under way asked for pickle (its answer is pickled).
  bool header_pickled() const {
    return header_ && header_->encoder == "pickle";
  }

  /// The connection's clock: a record under way must arrive whole within
  /// the record timeout; a connection with nothing to do is closed after
  /// the idle timeout; otherwise (calls in flight, replies to write, reading
  /// paused) no clock runs.
  void watch() {
    if (closed_)
      return;
    auto& options = server_->options_;
    watch_state next = watch_state::none;
    if (broken_ || peer_done_ || paused())
      next = watch_state::none;
    else if (in_.size() > start_ || header_)
      next = watch_state::record;
    else if (in_flight_ == 0 && nothing_to_write())
      next = watch_state::idle;
    // A record's clock runs from its first byte, not its last: it is armed
    // again only for the next record.
    if (next == watch_state_ && (next != watch_state::record || armed_for_ == records_done_))
      return;
    watch_state_ = next;
    armed_for_ = records_done_;
    due_ = next == watch_state::none
             ? steady::time_point::max()
             : steady_after(next == watch_state::record ? options.record_timeout
                                                        : options.idle_timeout);
    arm_clock();
  }

  /// A deadline put later or taken away is found when the timer fires,
  /// which then waits again or stops.
  void arm_clock() {
    if (closed_)
      return;
    timer_.fire_by(due_, [self = shared_from_this()] {
      if (self->closed_)
        return;
      if (self->due_ <= steady::now())
        self->on_clock();
      else
        self->arm_clock();
    });
  }

  void on_clock() {
    if (closed_)
      return;
    if (watch_state_ == watch_state::idle) {
      close();
      return;
    }
    auto id = header_ ? header_->id : std::string{unknown_id};
    reply_error(id, error_type::timeout,
                "the record did not arrive whole within "
                  + std::to_string(server_->options_.record_timeout.count()) + " ms",
                header_pickled());
    broken_ = true;
    in_.clear();
    start_ = 0;
    header_.reset();
    count_incomplete(0);
    watch_state_ = watch_state::none;
    due_ = steady::time_point::max();
    write(); // the calls admitted before it are still answered, then it closes
  }

  /// At the backlog, or with replies piling up for a peer that does not
  /// read them: stop reading until that eases.
  bool paused() const {
    constexpr std::size_t max_unwritten = 4 * 1024 * 1024;
    if (in_flight_ >= server_->options_.backlog)
      return true;
    std::lock_guard<std::mutex> guard{out_mutex_};
    return out_.size() >= max_unwritten;
  }

  bool id_in_flight(const std::string& id) const {
    std::lock_guard<std::mutex> guard{out_mutex_};
    return ids_in_flight_.count(id) != 0;
  }

  bool nothing_to_write() const {
    std::lock_guard<std::mutex> guard{out_mutex_};
    return out_.empty() && !writing_;
  }

  /// Handles every complete record in the buffer, while below the backlog.
  void process() {
    auto& limits = server_->options_.limits;
    while (!closed_ && !broken_ && !paused()) {
      std::string_view buffered(in_.data() + start_, in_.size() - start_);
      if (!header_) {
        auto lf = buffered.find('\n');
        if (lf == std::string_view::npos) {
          if (buffered.size() >= limits.max_header)
            fail_connection(unknown_id, "the header line is longer than "
                                          + std::to_string(limits.max_header) + " bytes");
          break;
        }
        if (lf + 1 > limits.max_header) {
          fail_connection(unknown_id, "the header line is longer than "
                                        + std::to_string(limits.max_header) + " bytes");
          break;
        }
        auto parsed = parse_header(buffered.substr(0, lf), limits);
        if (!parsed.header) {
          fail_connection(parsed.id, parsed.error);
          break;
        }
        header_ = std::move(parsed.header);
        start_ += lf + 1;
        continue;
      }
      if (buffered.size() < header_->length)
        break;
      auto payload = buffered.substr(0, header_->length);
      handle(*header_, payload);
      start_ += header_->length;
      header_.reset();
      ++records_done_; // the next record's clock starts afresh
    }
    // Keep the buffer from growing: drop what was consumed.
    if (start_ > 0 && (start_ == in_.size() || start_ > 64 * 1024)) {
      in_.erase(0, start_);
      start_ = 0;
    }
    if (!broken_)
      count_incomplete(in_.size() - start_); // what is left is under way
  }

  void handle(const record_header& header, std::string_view payload) {
    server_->metrics_.request();
    auto& id = header.id;
    // A request in pickle is answered in pickle, errors included, as the
    // Python original's clients expect.
    bool pickled = header.encoder == "pickle";
    // Replies are matched by id: a second call under an id still in flight
    // would make both answers ambiguous.
    if (id_in_flight(id)) {
      reply_error(id, error_type::bad_request,
                  "request id " + id + " is already in flight on this connection; "
                  "use a new id for each call",
                  pickled);
      return;
    }
    if (header.encoder != "json" && !pickled) {
      reply_error(id, error_type::bad_request,
                  "requests use the json or the pickle encoder, not '" + header.encoder + "'",
                  false);
      return;
    }
    auto request = pickled ? read_pickle(id, payload) : read_json(id, payload);
    if (request.is_discarded())
      return; // answered
    if (!request.is_array() || request.size() < 2 || request.size() > 3
        || !request[0].is_string() || (request.size() == 3 && !request[2].is_object())) {
      reply_error(id, error_type::bad_request,
                  pickled ? "a pickle request is the tuple (path, data) or (path, data, options)"
                          : "a request payload is the JSON array [path, data] or [path, data, "
                            "options]",
                  pickled);
      return;
    }
    client_timeout asked;
    if (request.size() == 3 && request[2].contains("timeout"))
      asked = client_timeout_of(request[2]["timeout"]);
    if (!asked.error.empty()) {
      reply_error(id, error_type::bad_request, asked.error, pickled);
      return;
    }
    auto path = request[0].get<std::string>();
    auto& options = server_->options_;
    if (!options.shutdown_path.empty() && path == options.shutdown_path) {
      if (!options.stop_token.empty()
          && !(request[1].is_string()
               && same_secret(request[1].get_ref<const std::string&>(), options.stop_token))) {
        reply_error(id, error_type::forbidden,
                    path + " needs the stop token as its data: [\"" + path + "\", \"<token>\"]",
                    pickled);
        return;
      }
      if (pickled)
        append(id, "pickle", pickle::encode(json(nullptr)));
      else
        append(id, "json", "null");
      server_->request_shutdown();
      return;
    }
    if (server_->draining_) {
      reply_error(id, error_type::shutting_down,
                  "the service is shutting down and takes no new calls", pickled);
      return;
    }
    ++in_flight_;
    ++server_->in_flight_;
    awaiting_reply_.fetch_add(1, std::memory_order_relaxed);
    auto cancel = std::make_shared<cancel_token>();
    {
      std::lock_guard<std::mutex> guard{out_mutex_};
      ids_in_flight_.emplace(id, cancel);
    }
    auto& n = server_->node_;
    call c{std::move(path), std::move(request[1]),
           n.deadline_after(call_time(server_->options_.call_timeout, asked)), 0, nullptr};
    c.cancel = std::move(cancel);
    c.request_id = request_id(id);
    // A non-blocking route runs on this I/O thread (answer() then writes
    // the reply here).
    n.call_async(
      std::move(c),
      [self = shared_from_this(), id, pickled](reply r) mutable {
        self->answer(std::move(id), pickled, std::move(r));
      },
      node::run_on::calling_thread);
  }

  /// On the thread that has the reply: this I/O thread, when the route's
  /// gate ran here (a non-blocking route, or a call refused at once) or
  /// this thread ran the route's function itself, else a
  /// scheduler thread inside the gate (or whichever thread lets go of an
  /// unanswered call). The reply to the connection's one call in flight is
  /// encoded here and goes out at once when nothing is queued before it,
  /// as far as the socket takes it without waiting; the rest waits in
  /// `out_` for the I/O thread, which also does the call's bookkeeping
  /// (finish_call()). A route that ran here has answered before the next
  /// request is read, so each of its replies is alone and written at once.
  /// Replies that come from a scheduler thread with more calls in flight
  /// are encoded and written by the I/O thread, many to a write, and the
  /// gate, which every gateway's calls of the route go through, is not held
  /// up encoding them.
  void answer(std::string id, bool pickled, reply r) {
    bool alone = awaiting_reply_.fetch_sub(1, std::memory_order_relaxed) == 1;
    auto server = server_;
    if (alone) {
      std::string record;
      bool encoded = true;
      try {
        record = reply_record(id, pickled, r);
      } catch (const std::bad_alloc&) {
        encoded = false; // nothing is queued yet: the I/O thread tries again
      }
      if (encoded) {
        write_now(id, std::move(record));
        server->post([self = shared_from_this()] { self->finish_call(); });
        return;
      }
    }
    server->post([self = shared_from_this(), id = std::move(id), pickled,
                  r = std::move(r)]() mutable { self->complete(id, pickled, r); });
  }

  /// The record goes out now as far as the socket takes it, if nothing is
  /// queued or being written; what is left is queued. Allocates nothing
  /// once it has sent a byte, so a record is never left half sent.
  void write_now(const std::string& id, std::string record) {
    std::lock_guard<std::mutex> guard{out_mutex_};
    // Freed before the client can see the reply: it may reuse the id at
    // once.
    ids_in_flight_.erase(id);
    if (closed_)
      return;
    if (writing_ || !out_.empty()) {
      try {
        out_ += record; // behind what is queued
      } catch (const std::bad_alloc&) {
        log::error("socket gateway at " + server_->endpoint_
                   + ": out of memory queueing a reply; it is dropped", request_id(id));
      }
      return;
    }
    auto sent = send_without_waiting(record);
    record.erase(0, sent); // in place: no allocation
    out_.swap(record);     // out_ was empty
  }

  /// Writes what the socket takes now; the bytes written. A failure is left
  /// to the I/O thread's write, which meets it too and closes.
  std::size_t send_without_waiting(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0)
        sent += static_cast<std::size_t>(n);
      else if (n < 0 && errno == EINTR)
        continue;
      else
        break;
    }
    return sent;
  }

  /// The JSON request in `payload`, or, answered already, a discarded value.
  json read_json(const std::string& id, std::string_view payload) {
    auto max_depth = server_->options_.limits.max_depth;
    if (json_text_depth(payload, max_depth) > max_depth) {
      reply_error(id, error_type::bad_request, too_deep_message("the payload", max_depth), false);
      return json(json::value_t::discarded);
    }
    auto request = json::parse(payload.begin(), payload.end(), nullptr, false);
    if (request.is_discarded())
      reply_error(id, error_type::bad_request, "the payload is not valid JSON", false);
    return request;
  }

  /// The pickled request in `payload`, or, answered already, a discarded
  /// value.
  json read_pickle(const std::string& id, std::string_view payload) {
    auto& limits = server_->options_.limits;
    try {
      return pickle::decode(payload, pickle::read_limits{limits.max_depth});
    } catch (const call_error& e) {
      reply_error(id, e.type(), e.what(), true);
      return json(json::value_t::discarded);
    }
  }

  /// The record that answers `id` with `r`; a value the encoder refuses is
  /// answered RouteFailed (pickle and JSON text take any value today, so
  /// this is a guard). Running out of memory is not a refusal: it throws.
  std::string reply_record(const std::string& id, bool pickled, const reply& r) const {
    if (!r.ok())
      return error_record(id, r.error_type(), r.error_message(), pickled);
    std::string out;
    try {
      if (pickled)
        append_record(out, id, "pickle", pickle::encode(r.value()));
      else if (r.value().is_binary())
        append_record(out, id, "none", encode(r.value(), codec::none));
      else
        append_record(out, id, "json", json_text(r.value()));
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const std::exception& e) {
      return error_record(id, error_type::route_failed,
                          std::string("the reply could not be encoded: ") + e.what(), pickled);
    }
    return out;
  }

  /// On the I/O thread: answers a call whose reply answer() left to it.
  void complete(const std::string& id, bool pickled, const reply& r) {
    if (!closed_) {
      auto record = reply_record(id, pickled, r);
      std::lock_guard<std::mutex> guard{out_mutex_};
      ids_in_flight_.erase(id);
      out_ += record;
    } else {
      std::lock_guard<std::mutex> guard{out_mutex_};
      ids_in_flight_.erase(id);
    }
    finish_call();
  }

  /// After a call's reply was written or queued: the call is no longer in
  /// flight.
  void finish_call() {
    --in_flight_;
    --server_->in_flight_;
    if (!closed_) {
      process(); // records that waited for the backlog
      read();
      write(); // closes a closing connection once its last reply is out
      watch();
    }
    server_->check_drained();
  }

  /// Answers `id` with an error: an `error` record, or, for a request in
  /// pickle, the pickled builtins exception that stands for it.
  void reply_error(const std::string& id, const std::string& type, const std::string& message,
                   bool pickled) {
    queue(error_record(id, type, message, pickled));
  }

  /// The record that answers `id` with an error (logged at debug).
  std::string error_record(const std::string& id, const std::string& type,
                           const std::string& message, bool pickled) const {
    if (log::enabled(log::level::debug))
      log::debug("socket gateway at " + server_->endpoint_ + " answered " + type + ": " + message,
                 request_id(id));
    std::string out;
    if (pickled)
      append_record(out, id, "pickle", pickle::encode_error(type, message));
    else
      append_record(out, id, "error", json_text(error_body(type, message)));
    return out;
  }

  /// The connection and the record id, as log lines name a call: "unix#3:r17".
  std::string request_id(const std::string& record_id) const {
    return name_ + ":" + record_id;
  }

  /// A record that breaks the framing: answer it and the calls admitted
  /// before it, then close.
  void fail_connection(const std::string& id, const std::string& message) {
    reply_error(id, error_type::bad_request, message, false);
    broken_ = true;
    // Nothing after the break is read: its bytes go, and leave the budget.
    in_.clear();
    start_ = 0;
    header_.reset();
    count_incomplete(0);
  }

  void append(std::string_view id, std::string_view encoder, std::string_view payload) {
    {
      std::lock_guard<std::mutex> guard{out_mutex_};
      append_record(out_, id, encoder, payload);
    }
    write();
  }

  void queue(const std::string& record) {
    {
      std::lock_guard<std::mutex> guard{out_mutex_};
      out_ += record;
    }
    write();
  }

  void write() {
    if (closed_)
      return;
    {
      std::lock_guard<std::mutex> guard{out_mutex_};
      if (writing_)
        return;
      if (!out_.empty()) {
        writing_ = true;
        sending_.swap(out_);
        out_.clear();
      }
    }
    if (!writing_) { // only this thread sets it
      // A closing connection still answers the calls it admitted first.
      if ((broken_ || peer_done_) && in_flight_ == 0)
        close();
      server_->check_drained();
      return;
    }
    // A peer that does not read its replies is cut off: it would otherwise
    // hold its connection, and what it was sent, for good.
    write_timer_.expires_after(server_->options_.write_timeout);
    write_timer_.async_wait([self = shared_from_this(), generation = ++write_generation_](
                              boost::system::error_code ec) {
      if (!ec && self->writing_ && generation == self->write_generation_)
        self->close();
    });
    asio::async_write(socket_, asio::buffer(sending_),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        {
                          std::lock_guard<std::mutex> guard{self->out_mutex_};
                          self->writing_ = false;
                        }
                        ++self->write_generation_;
                        self->write_timer_.cancel();
                        self->sending_.clear();
                        if (ec) {
                          self->close();
                          return;
                        }
                        self->write();
                        self->process(); // reading may resume now
                        self->read();
                        self->watch();
                      });
  }

  std::shared_ptr<socket_server::impl> server_;
  generic::socket socket_;
  int fd_; // the socket's, for answer(); written to only while open
  std::array<char, 64 * 1024> chunk_;
  std::string in_;
  std::size_t start_ = 0;
  std::optional<record_header> header_;
  mutable std::mutex out_mutex_;
  std::string out_; // records to write after sending_
  std::string sending_; // being written by the I/O thread
  std::size_t in_flight_ = 0;
  // Calls whose reply has not been given yet (in_flight_ counts until the
  // I/O thread has done their bookkeeping); read by answer().
  std::atomic<std::size_t> awaiting_reply_{0};
  // Calls in flight by request id; cancelled when the connection closes.
  // Under out_mutex_: answer() frees an id before its reply can be seen.
  std::unordered_map<std::string, std::shared_ptr<cancel_token>> ids_in_flight_;
  enum class watch_state { none, idle, record };
  earliest_timer timer_;
  watch_state watch_state_ = watch_state::none;
  steady::time_point due_ = steady::time_point::max();      // the clock's deadline
  std::uint64_t records_done_ = 0; // records handled so far
  std::uint64_t armed_for_ = 0;    // records_done_ when the clock was armed
  asio::steady_timer write_timer_;
  std::uint64_t write_generation_ = 0;
  std::size_t counted_ = 0; // bytes of records under way, in the server's total
  bool waiting_ = false;         // waiting for the socket to be readable
  bool socket_has_more_ = true;  // it may hold bytes not read yet
  bool writing_ = false;
  // The framing broke: read nothing more; close once admitted calls are
  // answered.
  bool broken_ = false;
  // The peer is done sending (EOF): close once admitted calls are answered.
  bool peer_done_ = false;
  // Wakes of watch_hang_up() that found no hang-up; it stops at the limit,
  // and a close is then found when a reply's write fails.
  int hang_up_wakes_ = 0;
  static constexpr int max_hang_up_wakes = 16;
  std::string name_; // "unix#3": which connection, in log lines
  bool closed_ = false;
};

void socket_server::impl::listen() {
  if (options_.path.empty()) {
    listen_tcp(acceptor_, options_.host, options_.port, options_.listen_backlog);
    asio::ip::tcp::endpoint local;
    auto raw = acceptor_.local_endpoint();
    std::memcpy(local.data(), raw.data(), raw.size());
    endpoint_ = endpoint_text(local);
    return;
  }
  unix_ = true;
  endpoint_ = options_.path;
  prepare_unix_path(options_.path);
  // Bound inside a directory only we may enter, given its mode there, then
  // moved into place: no moment in which others could connect that the mode
  // would refuse (and no process-wide umask change while other threads run).
  auto fail = [&](const std::string& why) {
    throw std::runtime_error("cannot listen at " + options_.path + ": " + why);
  };
  auto parent = std::filesystem::path(options_.path).parent_path().string();
  std::string dir = (parent.empty() ? std::string{"."} : parent) + "/.actorserve-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr)
    fail(std::string("cannot make a private directory beside it: ") + std::strerror(errno));
  auto staged = dir + "/s";
  auto cleanup = [&] {
    ::unlink(staged.c_str());
    ::rmdir(dir.c_str());
  };
  if (staged.size() >= sizeof(sockaddr_un::sun_path)) {
    cleanup();
    fail("its directory's name is too long: the socket is first made at " + staged + ", "
         + std::to_string(staged.size()) + " bytes, and a socket path holds at most "
         + std::to_string(sizeof(sockaddr_un::sun_path) - 1));
  }
  boost::system::error_code ec;
  generic::endpoint ep{asio::local::stream_protocol::endpoint(staged)};
  acceptor_.open(ep.protocol(), ec);
  if (!ec)
    acceptor_.bind(ep, ec);
  if (!ec && ::chmod(staged.c_str(), options_.file_mode) != 0)
    ec.assign(errno, boost::system::system_category());
  if (!ec)
    acceptor_.listen(options_.listen_backlog, ec);
  // A hard link, not a rename: it fails, instead of replacing it, when
  // another server took the path meanwhile.
  if (!ec && ::link(staged.c_str(), options_.path.c_str()) != 0)
    ec.assign(errno, boost::system::system_category());
  cleanup();
  if (ec)
    fail(ec.message());
}

void socket_server::impl::start() {
  accept();
  thread_ = std::thread([self = shared_from_this()] {
    self->io_.run();
    {
      std::lock_guard<std::mutex> guard{self->post_mutex_};
      self->io_finished_ = true;
    }
    // What was posted between run() returning and the flag: run it now.
    self->io_.restart();
    self->io_.poll();
  });
  name_thread(thread_, thread_names::socket_io);
}

void socket_server::impl::accept() {
  acceptor_.async_accept([self = shared_from_this()](boost::system::error_code ec,
                                                     generic::socket sock) {
    if (self->draining_ || self->stopped_)
      return;
    if (!ec) {
      if (!self->unix_) {
        int one = 1;
        ::setsockopt(sock.native_handle(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      }
      if (self->connections_.size() >= self->options_.max_connections) {
        self->refuse(std::move(sock));
      } else {
        auto conn = std::make_shared<connection>(self, std::move(sock));
        self->connections_.insert(conn);
        self->metrics_.open(self->connections_.size());
        conn->start();
      }
    } else if (ec != asio::error::operation_aborted) {
      // Out of file descriptors, say: try again shortly, not in a tight loop.
      log::warning("socket gateway at " + self->endpoint_ + ": accept failed: " + ec.message());
      auto timer = std::make_shared<asio::steady_timer>(self->io_, std::chrono::milliseconds(100));
      timer->async_wait([self, timer](boost::system::error_code) { self->accept(); });
      return;
    }
    self->accept();
  });
}

void socket_server::impl::refuse(generic::socket sock) {
  auto text = std::make_shared<std::string>();
  append_record(*text, unknown_id, "error",
                json_text(error_body(error_type::backlog_full,
                                     "the server has " + std::to_string(options_.max_connections)
                                       + " connections open, its limit; try again later")));
  auto s = std::make_shared<generic::socket>(std::move(sock));
  asio::async_write(*s, asio::buffer(*text), [s, text](boost::system::error_code, std::size_t) {
    boost::system::error_code ignored;
    s->shutdown(generic::socket::shutdown_both, ignored);
    s->close(ignored);
  });
}

void socket_server::impl::begin_drain(std::function<void()> drained) {
  post([self = shared_from_this(), drained = std::move(drained)]() mutable {
    self->draining_ = true;
    self->drained_ = std::move(drained);
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
    self->check_drained();
  });
}

void socket_server::impl::check_drained() {
  if (!draining_ || !drained_ || in_flight_ > 0)
    return;
  for (auto& conn : connections_)
    if (!conn->idle())
      return;
  auto done = std::move(drained_);
  drained_ = nullptr;
  done();
}

void socket_server::impl::stop() {
  post([self = shared_from_this()] {
    if (self->stopped_)
      return;
    self->stopped_ = true;
    self->draining_ = true;
    self->drained_ = nullptr;
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
    auto open = self->connections_;
    for (auto& conn : open)
      conn->close();
    if (self->unix_)
      ::unlink(self->options_.path.c_str());
    self->work_.reset();
  });
}

socket_server::socket_server(node& n, socket_options options) {
  options.check();
  impl_ = std::make_shared<impl>(n, std::move(options));
  impl_->listen();
  impl_->metrics_ = gateway_metrics_of(n, impl_->unix_ ? "socket-unix" : "socket-tcp");
  impl_->start();
  join_gateway(n, std::weak_ptr<impl>(impl_));
}

socket_server::~socket_server() {
  impl_->stop();
  if (impl_->thread_.joinable())
    impl_->thread_.join();
  impl_->drained_ = nullptr;
}

std::string socket_server::endpoint() const {
  return impl_->endpoint_;
}

bool socket_server::is_unix() const {
  return impl_->unix_;
}

} // namespace actorserve::socket
