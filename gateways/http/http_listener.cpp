// The HTTP gateway's I/O, on Boost.Beast. Only this file includes Beast's
// parser and streams: they compile slowly, and nothing else needs them
// (response_bytes.cpp takes only its status reasons).
#include "gateways/http/http_listener.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "actors/error_type.hpp"
#include "actors/log.hpp"
#include "actors/thread_name.hpp"
#include "gateways/earliest_timer.hpp"
#include "gateways/http/beast_request.hpp"
#include "gateways/http/response_bytes.hpp"
#include "gateways/reads_per_turn.hpp"
#include "gateways/steady_after.hpp"
#include "gateways/tcp_listen.hpp"

namespace actorserve::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

/// A response the listener makes itself (limits, malformed requests), shaped
/// like every other error: {"error":{"message":...,"type":...}}.
http_response error_response(unsigned status, const char* type, const std::string& message) {
  http_response r;
  r.status = status;
  r.body = json_text(json{{"error", error_body(type, message)}});
  return r;
}

} // namespace

class session;

class http_listener::impl : public std::enable_shared_from_this<http_listener::impl> {
public:
  impl(listener_options options, request_handler handler)
    : options_(std::move(options)), handler_(std::move(handler)) {
  }

  void listen();
  void accept();
  void refuse(tcp::socket sock);
  void begin_drain(std::function<void()> drained);
  void stop();
  void check_drained();
  void forget(session* s);
  std::vector<std::shared_ptr<session>> open_sessions();

  listener_options options_;
  request_handler handler_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  tcp::acceptor acceptor_{asio::make_strand(io_)};
  std::string endpoint_;
  std::vector<std::thread> threads_;
  std::mutex sessions_mutex_;
  std::unordered_map<session*, std::weak_ptr<session>> sessions_;
  std::atomic<std::size_t> in_flight_{0};
  std::atomic<std::size_t> sessions_to_drain_{0};
  std::atomic<bool> draining_{false};
  std::atomic<bool> stopped_{false};
  std::mutex drained_mutex_;
  std::function<void()> drained_;

  /// Runs `work` on `executor`, or drops it once the I/O threads are done:
  /// a handler queued on a stopped io_context would never run, and would
  /// keep alive what it holds (sessions, this impl) for good.
  template <class Executor, class F>
  void post(const Executor& executor, F&& work) {
    std::unique_lock<std::mutex> guard{post_mutex_};
    if (io_finished_)
      return; // `work` is destroyed when this returns, outside the lock
    asio::post(executor, std::forward<F>(work));
  }

  /// One I/O thread: runs the io_context; the last to finish runs what was
  /// posted while they finished, then lets nothing more be posted.
  void run_io() {
    io_.run();
    std::unique_lock<std::mutex> guard{post_mutex_};
    if (--running_threads_ > 0)
      return;
    io_finished_ = true;
    guard.unlock();
    io_.restart();
    io_.poll();
  }

  std::mutex post_mutex_;
  std::size_t running_threads_ = 0;
  bool io_finished_ = false;
};

/// One connection: reads requests (ahead, up to the pipeline limit), hands
/// each to the handler, writes the responses in request order.
class session : public std::enable_shared_from_this<session> {
public:
  session(const session&) = delete; // check_chunk_ holds `this`
  session& operator=(const session&) = delete;

  session(std::shared_ptr<http_listener::impl> server, tcp::socket sock)
    : server_(std::move(server)),
      socket_(std::move(sock)),
      timer_(socket_.get_executor()) {
    boost::system::error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    peer_ = ec ? "unknown" : endpoint_text(ep);
    // Reads and writes are tried at once and never block the I/O thread;
    // what the socket cannot take yet goes to asynchronous operations.
    socket_.non_blocking(true, ec);
    check_chunk_ = [this](std::uint64_t, beast::string_view extensions, beast::error_code& ec) {
      if (extensions.size() > limits().header_limit) {
        chunk_extensions_too_long_ = true;
        ec = bhttp::error::bad_chunk_extension;
      }
    };
  }

  void start() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

  /// The shutdown broadcast reached the server: read no more; close once
  /// the responses due are written. The server counts the sessions that
  /// have not done so yet: it may not report drained before they have.
  void drain() {
    server_->post(socket_.get_executor(), [self = shared_from_this()] {
      self->read_closed_ = true;
      if (self->queue_.empty() && !self->writing_)
        self->close();
      --self->server_->sessions_to_drain_;
      self->server_->check_drained();
    });
  }

  void close_now() {
    server_->post(socket_.get_executor(), [self = shared_from_this()] { self->close(); });
  }

private:
  struct slot {
    std::uint64_t seq;
    std::optional<response_bytes> response;
    bool keep_alive;
    bool head;
    std::string method;
    std::string target;
    steady::time_point received;
    std::shared_ptr<cancel_token> cancel; // while the response is not made
    std::string request_id;
    unsigned version;
    std::chrono::system_clock::time_point wall; // when it was read, for the log
  };

  /// Reads requests while the connection may take more: parses what the
  /// buffer holds, and reads the socket only when the parser needs more. A
  /// request all in hand is taken here, not in a handler posted for later.
  /// After a read that got less than it asked for, the socket is read only
  /// once it is readable again: a client waits for its response before it
  /// sends again, so a read tried sooner would find nothing, at a system
  /// call each time.
  void read() {
    int reads = 0;
    while (!closed_ && !read_closed_ && !waiting_ && queue_.size() < limits().pipeline_limit
           && queued_bytes_ < limits().max_queued_bytes) {
      if (!parser_)
        begin_request();
      if (buffer_.size() > 0 && !need_more_) {
        beast::error_code ec;
        bool in_header = !parser_->is_header_done();
        auto used = parser_->put(buffer_.data(), ec);
        buffer_.consume(used);
        // Beast holds one put's view of the header to its limit, and the
        // fields a put takes leave the buffer: a header sent in small
        // pieces would pass. So the whole header is counted here; while it
        // is unfinished, whatever the buffer holds is part of it.
        if (in_header) {
          header_bytes_ += used;
          auto unfinished = ec == bhttp::error::need_more ? buffer_.size() : 0;
          if (header_bytes_ + unfinished > limits().header_limit)
            return on_read_error(bhttp::error::header_limit);
        }
        if (ec == bhttp::error::need_more) {
          // The buffer holds part of a line: read first. In the body, that
          // is a chunk's size line or the trailer, which Beast does not
          // bound (check_chunk_ bounds a chunk's extensions once its line
          // is in): an unfinished one is cut off at twice the header's
          // limit, so that the memory a connection holds stays bounded.
          if (reading_body_ && buffer_.size() >= 2 * limits().header_limit)
            return refuse_body_framing("a chunk's size line or the trailer of the chunked "
                                       "request body is not complete within "
                                       + std::to_string(2 * limits().header_limit)
                                       + " bytes");
          need_more_ = true;
          continue;
        }
        if (ec && chunk_extensions_too_long_)
          return refuse_body_framing("a chunk's extensions are longer than "
                                     + std::to_string(limits().header_limit) + " bytes");
        if (ec)
          return on_read_error(ec);
        if (parser_->is_header_done() && !reading_body_ && !on_header())
          return;
        if (parser_->is_done())
          take_request();
        continue;
      }
      if (!socket_has_more_)
        return wait_readable();
      if (++reads > max_reads_per_turn)
        return read_later();
      if (!read_socket())
        return;
    }
  }

  void read_later() {
    waiting_ = true;
    server_->post(socket_.get_executor(), [self = shared_from_this()] {
      self->waiting_ = false;
      self->read();
    });
  }

  const http_limits& limits() const {
    return server_->options_.limits;
  }

  void begin_request() {
    reading_body_ = false;
    need_more_ = false;
    chunk_extensions_too_long_ = false;
    header_bytes_ = 0;
    if (buffer_.size() == 0 && buffer_.capacity() > 16 * 1024)
      buffer_.shrink_to_fit(); // a large body is in: an idle connection holds little
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits().header_limit));
    parser_->body_limit(limits().body_limit);
    parser_->on_chunk_header(check_chunk_);
    arm_idle_deadline();
  }

  /// One read of what the socket holds; it never blocks (the socket is
  /// non-blocking). False when the connection went on elsewhere: to wait
  /// for the socket, or to an error.
  bool read_socket() {
    beast::error_code ec;
    auto asked = read_size();
    auto got = socket_.read_some(buffer_.prepare(asked), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      socket_has_more_ = false;
      wait_readable();
      return false;
    }
    if (ec == asio::error::eof) {
      on_read_error(parser_->got_some() ? bhttp::error::partial_message
                                        : bhttp::error::end_of_stream);
      return false;
    }
    if (ec) {
      on_read_error(ec);
      return false;
    }
    buffer_.commit(got);
    need_more_ = false;
    socket_has_more_ = got == asked; // a full read: more may wait
    return true;
  }

  /// How much one read asks for: what the buffer has room for (at least
  /// 512 bytes), and while a body of a known length comes in, up to 64 KiB
  /// of it, so that a large body takes few reads.
  std::size_t read_size() const {
    auto size = beast::read_size(buffer_, 65536);
    if (reading_body_) {
      if (auto left = parser_->content_length_remaining())
        size = std::max(size, static_cast<std::size_t>(std::min<std::uint64_t>(*left, 65536)));
    }
    return size;
  }

  void wait_readable() {
    waiting_ = true;
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
      self->waiting_ = false;
      if (self->closed_)
        return;
      if (ec)
        return self->on_read_error(ec);
      self->socket_has_more_ = true;
      self->read();
    });
  }

  /// The header is in and passed the parser's checks: the body's clock
  /// starts. False when the connection closed.
  bool on_header() {
    auto& req = parser_->get();
    if (parser_->chunked()) // only a chunked body has a trailer (drop_trailer)
      header_fields_ = static_cast<std::size_t>(std::distance(req.begin(), req.end()));
    auto expect = req[bhttp::field::expect];
    if (req.version() == 11 && beast::iequals(expect, "100-continue") && queue_.empty()
        && !writing_ && !parser_->is_done() && buffer_.size() == 0) {
      // Ask for the body only now that the header passed its checks (and
      // none of it came yet). Never waiting for it: a client that does not
      // read must not stall the I/O thread (it then sends its body anyway
      // after a moment, as HTTP clients do without an answer).
      static const std::string go_on = "HTTP/1.1 100 Continue\r\n\r\n";
      boost::system::error_code ignored;
      auto sent = socket_.write_some(asio::buffer(go_on), ignored);
      if (sent > 0 && sent < go_on.size()) {
        close(); // its rest would be lost in front of the response
        return false;
      }
    }
    reading_body_ = true;
    set_deadline(steady_after(limits().body_timeout));
    return true;
  }

  /// Beast adds a chunked body's trailer fields to the header's. They are
  /// dropped (RFC 9110 lets a recipient discard them): a proxy in front
  /// checks and sets headers, not trailers, so a Host, Authorization or
  /// X-Request-Id sent there must not count as a header.
  void drop_trailer(bhttp::request<bhttp::string_body>& req) const {
    auto it = req.begin();
    for (std::size_t i = 0; i < header_fields_ && it != req.end(); ++i)
      ++it;
    while (it != req.end())
      it = req.erase(it);
  }

  /// A chunked body's framing past its bounds: 400, and nothing more is
  /// read.
  void refuse_body_framing(const std::string& why) {
    stop_reading();
    respond_now(error_response(400, "BadRequest", why));
  }

  /// Nothing more is read from this connection: the request under way is
  /// dropped, and the body's clock must not cut off the responses still
  /// due (they have the calls' and the write's deadlines).
  void stop_reading() {
    read_closed_ = true;
    reading_body_ = false;
    parser_.reset();
    set_deadline(steady::time_point::max());
  }

  /// A whole request is in: it goes to the handler, its slot in line.
  void take_request() {
    reading_body_ = false;
    set_deadline(steady::time_point::max()); // the body is in: its clock stops
    bool chunked = parser_->chunked();
    auto req = parser_->release();
    parser_.reset();
    if (chunked)
      drop_trailer(req);
    bool keep_alive = req.keep_alive();
    auto method = req.method();
    auto version = req.version();
    auto request = to_http_request(std::move(req), peer_);
    if (!keep_alive || server_->draining_)
      read_closed_ = true;
    auto seq = next_seq_++;
    request.cancel = std::make_shared<cancel_token>();
    queue_.push_back(slot{seq, std::nullopt, keep_alive, method == bhttp::verb::head,
                          request.method, request.target, steady::now(), request.cancel,
                          request.request_id, version, std::chrono::system_clock::now()});
    version_ = version;
    ++server_->in_flight_;
    // The response is made here, on this connection's I/O thread, whichever
    // thread hands it over.
    server_->handler_(std::move(request), [self = shared_from_this(), seq](response_maker make) {
      self->server_->post(self->socket_.get_executor(), [self, seq, make = std::move(make)] {
        self->on_response(seq, self->run(make));
      });
    });
  }

  void on_read_error(beast::error_code ec) {
    stop_reading();
    if (ec == bhttp::error::header_limit) {
      respond_now(error_response(431, "RequestHeaderFieldsTooLarge",
                                 "the request header is larger than "
                                   + std::to_string(limits().header_limit) + " bytes"));
    } else if (ec == bhttp::error::body_limit) {
      respond_now(error_response(413, "PayloadTooLarge",
                                 "the request body is larger than "
                                   + std::to_string(limits().body_limit) + " bytes"));
    } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()
               && ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      respond_now(error_response(400, "BadRequest", "malformed request: " + ec.message()));
    } else {
      // The client left (or the connection timed out): its calls that
      // still wait are dropped. What is answered is still written, if the
      // connection takes it.
      cancel_unanswered();
      if (queue_.empty() && !writing_)
        close();
    }
  }

  void cancel_unanswered() {
    for (auto& s : queue_)
      if (!s.response && s.cancel)
        s.cancel->cancel();
  }

  /// The response `make` makes; a 500 if it throws, so that the I/O thread
  /// and every other connection on it live on.
  static http_response run(const response_maker& make) {
    try {
      return make();
    } catch (const std::exception& e) {
      return error_response(500, "InternalError",
                            std::string("the response could not be made: ") + e.what());
    } catch (...) {
      return error_response(500, "InternalError", "the response could not be made");
    }
  }

  /// A response the listener makes itself, in order after those due.
  void respond_now(const http_response& r) {
    auto seq = next_seq_++;
    queue_.push_back(slot{seq, std::nullopt, false, false, "-", "-", steady::now(), nullptr,
                          new_request_id(), version_, std::chrono::system_clock::now()});
    ++server_->in_flight_;
    on_response(seq, http_response(r));
  }

  void on_response(std::uint64_t seq, http_response&& r) {
    if (closed_) {
      --server_->in_flight_;
      server_->check_drained();
      return;
    }
    for (auto& s : queue_) {
      if (s.seq != seq)
        continue;
      s.response = bytes_of(std::move(r), s);
      queued_bytes_ += s.response->head.size() + s.response->body.size();
      s.cancel = nullptr;
      break;
    }
    write();
  }

  /// `r` as bytes; a 500 when it cannot be written as asked (a header that
  /// would forge others, a body on a 204), so that the client learns why.
  static response_bytes bytes_of(http_response&& r, const slot& s) {
    try {
      return to_response_bytes(std::move(r), s.version, s.request_id, s.head);
    } catch (const bad_response& e) {
      // The client learns why; so does whoever reads the log, with the route.
      log::warning(s.method + " " + s.target + " answered a response that is not valid HTTP: "
                     + e.what(),
                   s.request_id);
      return to_response_bytes(error_response(500, "BadResponse", e.what()), s.version,
                               s.request_id, s.head);
    }
  }

  /// Writes the responses due, then sees to what follows.
  void write() {
    if (write_ready())
      after_written();
  }

  /// Writes the responses due, in order: straight into the socket while it
  /// takes them (a response is small and the socket's buffer has room, as
  /// a rule), the rest of one asynchronously, under the write deadline.
  /// True when one or more went out whole.
  bool write_ready() {
    bool finished_one = false;
    while (!writing_ && !closed_ && !queue_.empty() && queue_.front().response) {
      // Whether the connection stays open is decided as each response goes
      // out: a closing connection (the client's wish, an error, a drain)
      // says so on its last response only, so none queued behind is lost.
      auto& front = queue_.front();
      if (read_closed_ && queue_.size() == 1)
        front.keep_alive = false;
      auto& bytes = *front.response;
      std::array<asio::const_buffer, 3> buffers{asio::buffer(bytes.head),
                                                asio::buffer(end_of_head(front.version, front.keep_alive)),
                                                asio::buffer(bytes.body)};
      beast::error_code ec;
      auto sent = socket_.write_some(buffers, ec); // never blocks: the socket is non-blocking
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        ec = {};
        sent = 0;
      }
      if (!ec && sent < asio::buffer_size(buffers)) {
        // The socket's buffer is full: the rest when it has room. A client
        // that does not read its responses is cut off.
        for (auto& b : buffers) {
          auto skip = std::min(sent, b.size());
          b += skip;
          sent -= skip;
        }
        writing_ = true;
        write_deadline_ = steady_after(limits().write_timeout);
        arm_timer();
        asio::async_write(socket_, buffers,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                            self->writing_ = false;
                            if (self->closed_)
                              return; // cut off while writing: close() counted everything
                            if (!self->written(ec))
                              return;
                            self->write_ready();
                            self->after_written();
                          });
        break;
      }
      if (!written(ec))
        return false; // closed
      finished_one = true;
    }
    return finished_one;
  }

  /// After responses went out: the connection closes if it is done, else
  /// reads on (reading may have paused at a limit), and its idle clock
  /// starts when nothing is left.
  void after_written() {
    if (closed_)
      return;
    if (queue_.empty() && !writing_ && read_closed_)
      close();
    else
      read();
    if (queue_.empty())
      arm_idle_deadline();
    server_->check_drained();
  }

  /// The front response went out (or could not): its slot goes. False
  /// when the connection is closed with it.
  bool written(beast::error_code ec) {
    auto done = std::move(queue_.front());
    queue_.pop_front();
    queued_bytes_ -= done.response->head.size() + done.response->body.size();
    --server_->in_flight_;
    if (server_->options_.access_log) {
      access_entry e;
      e.time = done.wall;
      e.peer = peer_;
      e.method = std::move(done.method);
      e.target = std::move(done.target);
      e.version = done.version;
      e.status = done.response->status;
      e.body_bytes = done.response->body.size();
      e.duration = steady::now() - done.received;
      e.request_id = std::move(done.request_id);
      server_->options_.access_log(e);
    }
    if (ec || !done.keep_alive) {
      close();
      return false;
    }
    return true;
  }

  /// The keep-alive clock runs only while nothing is in flight.
  void arm_idle_deadline() {
    if (parser_ && !reading_body_)
      set_deadline(queue_.empty() ? steady_after(limits().idle_timeout)
                                  : steady::time_point::max());
  }

  void set_deadline(steady::time_point when) {
    deadline_ = when;
    arm_timer();
  }

  /// When the connection is cut off: the read deadline, or the write's
  /// while a response is being written, whichever comes first.
  steady::time_point due() const {
    return writing_ ? std::min(deadline_, write_deadline_) : deadline_;
  }

  void arm_timer() {
    if (closed_)
      return;
    timer_.fire_by(due(), [self = shared_from_this()] {
      if (self->closed_)
        return;
      if (self->due() <= steady::now()) {
        // Idle too long, a request that trickles in, or a client that does
        // not read its responses: cut it off.
        self->close();
        return;
      }
      self->arm_timer(); // the deadline moved later meanwhile
    });
  }

  void close() {
    if (closed_)
      return;
    closed_ = true;
    timer_.cancel();
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    cancel_unanswered();
    for (auto& s : queue_)
      if (s.response)
        --server_->in_flight_; // answered but never written
    // A write under way still reads the front response until its handler
    // runs (aborted): that one lives on with the session.
    if (writing_ && !queue_.empty())
      queue_.erase(std::next(queue_.begin()), queue_.end());
    else
      queue_.clear();
    server_->forget(this);
    server_->check_drained();
  }

  std::shared_ptr<http_listener::impl> server_;
  tcp::socket socket_;
  earliest_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::deque<slot> queue_;
  std::uint64_t next_seq_ = 1;
  std::size_t queued_bytes_ = 0; // responses answered, not yet written
  unsigned version_ = 11;
  std::string peer_;
  steady::time_point deadline_ = steady::time_point::max(); // reading
  steady::time_point write_deadline_ = steady::time_point::max(); // while writing_
  bool waiting_ = false;         // for the socket to be readable
  bool socket_has_more_ = true;  // the socket may hold bytes not read yet
  bool need_more_ = false;       // the parser needs bytes the buffer lacks
  std::size_t header_bytes_ = 0; // of this request's header, parsed so far
  /// Beast bounds no chunk's extensions: they get the header's limit.
  std::function<void(std::uint64_t, beast::string_view, beast::error_code&)> check_chunk_;
  bool chunk_extensions_too_long_ = false;
  std::size_t header_fields_ = 0; // a chunked request's, before its trailer
  bool reading_body_ = false; // the request's header is in
  bool writing_ = false;
  bool read_closed_ = false;
  bool closed_ = false;
};

void http_listener::impl::listen() {
  listen_tcp(acceptor_, options_.host, options_.port, options_.backlog);
  endpoint_ = endpoint_text(acceptor_.local_endpoint());
}

void http_listener::impl::accept() {
  // A connection's handlers must not run at once: with one I/O thread they
  // cannot, and a strand would only add its bookkeeping to each of them.
  auto executor = options_.threads > 1 ? asio::any_io_executor(asio::make_strand(io_))
                                       : asio::any_io_executor(io_.get_executor());
  acceptor_.async_accept(executor, [self = shared_from_this()](
                                                   boost::system::error_code ec, tcp::socket sock) {
    if (self->draining_ || self->stopped_)
      return;
    if (!ec) {
      sock.set_option(tcp::no_delay(true), ec);
      std::lock_guard<std::mutex> guard{self->sessions_mutex_};
      if (self->sessions_.size() >= self->options_.limits.max_connections) {
        self->refuse(std::move(sock));
      } else {
        auto s = std::make_shared<session>(self, std::move(sock));
        self->sessions_.emplace(s.get(), s);
        if (self->options_.connections != nullptr)
          self->options_.connections->set(static_cast<std::int64_t>(self->sessions_.size()));
        s->start();
      }
    } else if (ec != asio::error::operation_aborted) {
      // Out of file descriptors, say: try again shortly, not in a tight loop.
      auto timer = std::make_shared<asio::steady_timer>(self->acceptor_.get_executor(),
                                                        std::chrono::milliseconds(100));
      timer->async_wait([self, timer](boost::system::error_code) { self->accept(); });
      return;
    }
    self->accept();
  });
}

void http_listener::impl::refuse(tcp::socket sock) {
  auto r = error_response(503, "BacklogFull",
                          "the server has " + std::to_string(options_.limits.max_connections)
                            + " connections open, its limit; try again later");
  r.headers.emplace_back("Retry-After", "1");
  // No request was read: the id is a new one, as for any response an
  // error cuts short.
  auto bytes = to_response_bytes(std::move(r), 11, new_request_id(), false);
  auto text = std::make_shared<std::string>(std::move(bytes.head));
  text->append(end_of_head(11, false));
  text->append(bytes.body);
  auto s = std::make_shared<tcp::socket>(std::move(sock));
  asio::async_write(*s, asio::buffer(*text), [s, text](boost::system::error_code, std::size_t) {
    boost::system::error_code ignored;
    s->shutdown(tcp::socket::shutdown_both, ignored);
    s->close(ignored);
  });
}

std::vector<std::shared_ptr<session>> http_listener::impl::open_sessions() {
  std::vector<std::shared_ptr<session>> open;
  std::lock_guard<std::mutex> guard{sessions_mutex_};
  for (auto& [ptr, weak] : sessions_)
    if (auto s = weak.lock())
      open.push_back(s);
  return open;
}

void http_listener::impl::forget(session* s) {
  std::lock_guard<std::mutex> guard{sessions_mutex_};
  sessions_.erase(s);
  if (options_.connections != nullptr)
    options_.connections->set(static_cast<std::int64_t>(sessions_.size()));
}

void http_listener::impl::begin_drain(std::function<void()> drained) {
  {
    std::lock_guard<std::mutex> guard{drained_mutex_};
    drained_ = std::move(drained);
  }
  // Held at one until every open session is counted, so no check in
  // between can report drained too early.
  sessions_to_drain_ += 1;
  draining_ = true; // from here on, no new session is made
  post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
  });
  auto open = open_sessions();
  sessions_to_drain_ += open.size();
  for (auto& s : open)
    s->drain();
  sessions_to_drain_ -= 1;
  check_drained();
}

void http_listener::impl::check_drained() {
  if (!draining_ || in_flight_ > 0 || sessions_to_drain_ > 0)
    return;
  std::function<void()> done;
  {
    std::lock_guard<std::mutex> guard{drained_mutex_};
    done.swap(drained_);
  }
  if (done)
    done();
}

void http_listener::impl::stop() {
  if (stopped_.exchange(true))
    return;
  draining_ = true;
  {
    std::lock_guard<std::mutex> guard{drained_mutex_};
    drained_ = nullptr;
  }
  post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
  });
  auto open = open_sessions();
  for (auto& s : open)
    s->close_now();
  work_.reset();
}

http_listener::http_listener(listener_options options, request_handler handler)
  : impl_(std::make_shared<impl>(std::move(options), std::move(handler))) {
  impl_->listen();
}

http_listener::~http_listener() {
  impl_->stop();
  for (auto& t : impl_->threads_)
    if (t.joinable())
      t.join();
}

void http_listener::start() {
  // Once only: with one I/O thread, connections go without a strand.
  if (!impl_->threads_.empty())
    throw std::logic_error("the HTTP listener is started already");
  impl_->accept();
  auto n = std::max<std::size_t>(1, impl_->options_.threads);
  impl_->running_threads_ = n;
  for (std::size_t i = 0; i < n; ++i) {
    impl_->threads_.emplace_back([self = impl_] { self->run_io(); });
    name_thread(impl_->threads_.back(), thread_names::http_io);
  }
}

std::string http_listener::endpoint() const {
  return impl_->endpoint_;
}

void http_listener::begin_drain(std::function<void()> drained) {
  impl_->begin_drain(std::move(drained));
}

void http_listener::stop() {
  impl_->stop();
}

} // namespace actorserve::http
