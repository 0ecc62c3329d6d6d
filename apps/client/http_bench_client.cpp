#include "apps/client/http_bench_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <cctype>
#include <stdexcept>
#include <thread>
#include <vector>

#include "actors/error_type.hpp"
#include "actors/port_number.hpp"

namespace actorserve::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

http_url parse_http_url(const std::string& url) {
  auto bad = [&](const std::string& why) {
    return std::invalid_argument("--http takes a URL like http://127.0.0.1:8000 (" + why
                                 + "), got '" + url + "'");
  };
  const std::string scheme = "http://";
  if (url.rfind("https://", 0) == 0)
    throw bad("https is not supported");
  if (url.rfind(scheme, 0) != 0)
    throw bad("it must begin with http://");
  if (url.find_first_of("?#") != std::string::npos)
    throw bad("no query or fragment");
  auto slash = url.find('/', scheme.size());
  auto authority = url.substr(scheme.size(), slash == std::string::npos ? std::string::npos
                                                                         : slash - scheme.size());
  http_url out;
  out.host_header = authority;
  if (slash != std::string::npos)
    out.prefix = url.substr(slash);
  while (!out.prefix.empty() && out.prefix.back() == '/')
    out.prefix.pop_back();
  if (authority.find('@') != std::string::npos)
    throw bad("no user name");
  std::string port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos)
      throw bad("an IPv6 address needs its closing ]");
    out.host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        throw bad("a port follows the host after ':'");
      port = after.substr(1);
    }
  } else {
    auto colon = authority.find(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos)
      port = authority.substr(colon + 1);
  }
  if (out.host.empty())
    throw bad("no host");
  if (!port.empty() || authority.back() == ':') {
    auto n = port_from_text(port);
    if (!n || *n == 0)
      throw bad("the port must be 1 to 65535");
    out.port = *n;
  }
  return out;
}

namespace {

/// One connection and the chain of calls on it. One thread runs every
/// session's handlers, so they need no strand.
class session : public std::enable_shared_from_this<session> {
public:
  session(asio::io_context& ioc, const tcp::resolver::results_type& endpoints,
          const http_url& url, const http_load_options& options)
    : ioc_(ioc), endpoints_(endpoints), url_(url), options_(options) {
  }

  /// Connects, retrying while refused until the connect timeout, running
  /// the io_context on the calling thread. Throws http_connect_error.
  void connect_first() {
    auto deadline = steady::now() + options_.connect_timeout;
    for (;;) {
      beast::error_code result;
      open_stream();
      stream_->expires_at(deadline);
      stream_->async_connect(endpoints_, [&result](beast::error_code ec, const tcp::endpoint&) {
        result = ec;
      });
      ioc_.restart();
      ioc_.run();
      if (!result) {
        connected();
        return;
      }
      // Not listening yet: the service may be coming up.
      bool refused = result == asio::error::connection_refused;
      if (!refused && result != beast::error::timeout)
        throw http_connect_error("cannot connect to " + url_.host_header + ": "
                                 + result.message());
      if (!refused || steady::now() >= deadline)
        throw http_connect_error(
          "cannot connect to " + url_.host_header + " within "
          + std::to_string(options_.connect_timeout.count()) + " ms: " + result.message());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  void start(http::request<http::string_body> request, std::chrono::milliseconds timeout,
             const std::function<bool(const http_answer&)>* on_answer) {
    request_ = std::move(request);
    timeout_ = timeout;
    on_answer_ = on_answer;
    asio::post(ioc_, [self = shared_from_this()] { self->call(); });
  }

private:
  void open_stream() {
    stream_.emplace(ioc_);
    buffer_.consume(buffer_.size());
    open_ = false;
  }

  void connected() {
    beast::error_code ignored; // a connection without it still works
    stream_->socket().set_option(tcp::no_delay(true), ignored);
    open_ = true;
  }

  void close() {
    beast::error_code ignored;
    stream_->socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_->close();
    open_ = false;
  }

  void call() {
    sent_ = steady::now();
    if (open_) {
      write();
      return;
    }
    open_stream();
    stream_->expires_after(options_.connect_timeout);
    stream_->async_connect(endpoints_, [self = shared_from_this()](beast::error_code ec,
                                                                   const tcp::endpoint&) {
      if (ec) {
        http_answer answer;
        answer.failure = call_error(error_type::connection_lost,
                                    "lost the connection to " + self->url_.host_header
                                      + " and cannot connect again: " + ec.message());
        answer.unreachable = true;
        self->deliver(std::move(answer));
        return;
      }
      self->connected();
      self->write();
    });
  }

  void write() {
    stream_->expires_after(timeout_);
    http::async_write(*stream_, request_, [self = shared_from_this()](beast::error_code ec,
                                                                      std::size_t) {
      if (ec)
        self->fail(ec);
      else
        self->read();
    });
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(options_.max_body);
    http::async_read(*stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec,
                                                                             std::size_t) {
      if (ec) {
        self->fail(ec);
        return;
      }
      auto response = self->parser_->release();
      http_answer answer;
      answer.status = response.result_int();
      answer.body = std::move(response.body());
      if (!response.keep_alive())
        self->close();
      self->deliver(std::move(answer));
    });
  }

  void fail(beast::error_code ec) {
    close();
    http_answer answer;
    if (ec == beast::error::timeout)
      answer.failure = call_error(error_type::timeout,
                                  "no response from " + std::string(request_.target())
                                    + " within " + std::to_string(timeout_.count()) + " ms");
    else
      answer.failure = call_error(error_type::connection_lost,
                                  "lost the connection to " + url_.host_header + ": "
                                    + ec.message());
    deliver(std::move(answer));
  }

  void deliver(http_answer answer) {
    answer.latency = steady::now() - sent_;
    bool go_on = (*on_answer_)(answer) && !answer.unreachable;
    if (go_on)
      call();
    else if (open_)
      close();
  }

  asio::io_context& ioc_;
  const tcp::resolver::results_type& endpoints_;
  const http_url& url_;
  const http_load_options& options_;
  std::optional<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  http::request<http::string_body> request_;
  std::chrono::milliseconds timeout_{0};
  const std::function<bool(const http_answer&)>* on_answer_ = nullptr;
  steady::time_point sent_;
  bool open_ = false;
};

} // namespace

class http_bench_client::impl {
public:
  impl(const http_url& url, const http_load_options& options)
    : ioc_(1), url_(url), options_(options) {
    if (options_.connections == 0)
      throw std::invalid_argument("http_bench_client needs a connection");
    tcp::resolver resolver(ioc_);
    beast::error_code ec;
    endpoints_ = resolver.resolve(url_.host, std::to_string(url_.port), ec);
    if (ec)
      throw http_connect_error("cannot connect to " + url_.host_header + ": " + ec.message());
    for (std::size_t i = 0; i < options_.connections; ++i) {
      sessions_.push_back(std::make_shared<session>(ioc_, endpoints_, url_, options_));
      sessions_.back()->connect_first();
    }
  }

  asio::io_context ioc_;
  http_url url_;
  http_load_options options_;
  tcp::resolver::results_type endpoints_;
  std::vector<std::shared_ptr<session>> sessions_;
};

http_bench_client::http_bench_client(const http_url& url, const http_load_options& options)
  : impl_(std::make_unique<impl>(url, options)) {
}

http_bench_client::~http_bench_client() = default;

void http_bench_client::run(const std::string& target, const std::string& body,
                            std::chrono::milliseconds timeout,
                            const std::function<bool(const http_answer&)>& on_answer) {
  http::request<http::string_body> request{http::verb::post, impl_->url_.prefix + target, 11};
  request.set(http::field::host, impl_->url_.host_header);
  request.set(http::field::user_agent, "actorserve-client bench");
  if (!body.empty())
    request.set(http::field::content_type, "application/json");
  request.body() = body;
  request.keep_alive(true);
  request.prepare_payload();
  for (auto& s : impl_->sessions_)
    s->start(request, timeout, &on_answer);
  // Each session holds itself alive through its pending operation; once
  // every one stopped, run() returns.
  impl_->sessions_.clear();
  impl_->ioc_.restart();
  impl_->ioc_.run();
}

} // namespace actorserve::client
