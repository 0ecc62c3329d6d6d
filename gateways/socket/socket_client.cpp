#include "gateways/socket/socket_client.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "actors/thread_name.hpp"
#include "gateways/socket/codec.hpp"
#include "actors/error_type.hpp"
#include "gateways/socket/record.hpp"

namespace actorserve::socket {

namespace {

using steady = std::chrono::steady_clock;

std::string where(const client_options& o) {
  if (!o.path.empty())
    return o.path;
  bool v6 = o.host.find(':') != std::string::npos && o.host.front() != '[';
  return (v6 ? "[" + o.host + "]" : o.host) + ":" + std::to_string(o.port);
}

/// One attempt; returns the fd, or -1 with errno set.
int try_connect(const client_options& o) {
  if (!o.path.empty()) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
      return -1;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (o.path.size() >= sizeof addr.sun_path) {
      ::close(fd);
      errno = ENAMETOOLONG;
      return -1;
    }
    std::strncpy(addr.sun_path, o.path.c_str(), sizeof addr.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
      return fd;
    auto err = errno;
    ::close(fd);
    errno = err;
    return -1;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  auto port = std::to_string(o.port);
  auto host = o.host;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2); // "[::1]", as endpoints print it
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0)
    throw connection_error("cannot connect to " + where(o) + ": " + ::gai_strerror(rc));
  int fd = -1;
  int err = ECONNREFUSED;
  for (auto* ai = found; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0)
      continue;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      err = errno;
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) {
    errno = err;
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

int connect_with_retry(const client_options& o) {
  auto deadline = steady::now() + o.connection_timeout;
  for (;;) {
    int fd = try_connect(o);
    if (fd >= 0)
      return fd;
    auto err = errno;
    // Not there yet, or not listening yet: the service may be coming up.
    bool retry = err == ENOENT || err == ECONNREFUSED || err == EAGAIN;
    if (!retry)
      throw connection_error("cannot connect to " + where(o) + ": " + std::strerror(err));
    if (steady::now() >= deadline)
      throw connection_error(
        "cannot connect to " + where(o) + " within "
        + std::to_string(o.connection_timeout.count()) + " ms: " + std::strerror(err));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    auto n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

} // namespace

/// Counts requests in flight against the backlog.
class slots {
public:
  explicit slots(std::size_t n) : free_(n), total_(n) {
  }

  bool acquire(std::optional<std::chrono::milliseconds> timeout) {
    std::unique_lock<std::mutex> guard{mutex_};
    auto ready = [this] { return free_ > 0; };
    if (!timeout)
      changed_.wait(guard, ready);
    else if (!changed_.wait_for(guard, *timeout, ready))
      return false;
    --free_;
    return true;
  }

  void release() {
    {
      std::lock_guard<std::mutex> guard{mutex_};
      ++free_;
    }
    changed_.notify_all();
  }

  bool wait_all_free(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> guard{mutex_};
    return changed_.wait_for(guard, timeout, [this] { return free_ == total_; });
  }

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t free_;
  std::size_t total_;
};

/// One connection: sends records under a lock, reads replies on a thread of
/// its own and completes the promise registered under each id.
class client_connection {
public:
  client_connection(int fd, slots& backlog, std::size_t max_frame, std::size_t max_depth)
    : fd_(fd), backlog_(backlog) {
    limits_.max_frame = max_frame;
    limits_.max_depth = max_depth;
    reader_ = std::thread([this] { read_loop(); });
    name_thread(reader_, thread_names::socket_client_reader);
  }

  ~client_connection() {
    fail_all("the client closed the connection with the call still in flight");
    ::shutdown(fd_, SHUT_RDWR);
    reader_.join();
    ::close(fd_);
  }

  std::size_t in_flight() const {
    return in_flight_.load(std::memory_order_relaxed);
  }

  bool lost() const {
    return lost_.load();
  }

  /// Registers the promise first: the reply may come before send returns.
  void send(const std::string& id, std::string record, std::promise<json> promise) {
    {
      std::lock_guard<std::mutex> guard{pending_mutex_};
      if (lost_)
        throw call_error(error_type::connection_lost, lost_reason_);
      pending_.emplace(id, std::move(promise));
      ++in_flight_;
    }
    int error = 0;
    {
      std::lock_guard<std::mutex> guard{write_mutex_};
      if (!write_all(fd_, record.data(), record.size()))
        error = errno;
    }
    if (error == 0)
      return;
    // The service closed it: what it said before it did (BacklogFull past
    // its connection limit) is still to be read. Give the reader up to a
    // second to get there and fail the calls with that; no lock is held.
    if (error == EPIPE || error == ECONNRESET)
      for (int i = 0; i < 100 && !lost(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds{10});
    fail_all(std::string("lost the connection while sending: ") + std::strerror(error));
  }

private:
  void read_loop() {
    std::string buffer;
    std::size_t start = 0;
    std::optional<record_header> header;
    char chunk[64 * 1024];
    std::string reason = "the service closed the connection";
    for (;;) {
      auto n = ::read(fd_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        if (n < 0)
          reason = std::string("lost the connection: ") + std::strerror(errno);
        else if (!service_said_.empty())
          reason += ": " + service_said_; // why, when it said so first
        break;
      }
      buffer.append(chunk, static_cast<std::size_t>(n));
      bool broken = false;
      for (;;) {
        std::string_view rest(buffer.data() + start, buffer.size() - start);
        if (!header) {
          auto lf = rest.find('\n');
          if (lf == std::string_view::npos)
            break;
          auto parsed = parse_header(rest.substr(0, lf), limits_);
          if (!parsed.header) {
            reason = "the service sent a bad record header: " + parsed.error;
            broken = true;
            break;
          }
          header = std::move(parsed.header);
          start += lf + 1;
          continue;
        }
        if (rest.size() < header->length)
          break;
        complete(*header, rest.substr(0, header->length));
        start += header->length;
        header.reset();
      }
      if (broken)
        break;
      if (start == buffer.size() || start > 64 * 1024) {
        buffer.erase(0, start);
        start = 0;
      }
    }
    fail_all(reason);
  }

  void complete(const record_header& header, std::string_view payload) {
    std::promise<json> promise;
    {
      std::lock_guard<std::mutex> guard{pending_mutex_};
      auto it = pending_.find(header.id);
      if (it == pending_.end()) {
        // About no call of ours (id "-"): a record the service could not
        // read, or why it is closing the connection (BacklogFull past its
        // connection limit), for the reason the calls still due get.
        if (header.id == "-" && header.encoder == "error")
          service_said_ = error_text(payload);
        return;
      }
      promise = std::move(it->second);
      pending_.erase(it);
      --in_flight_;
    }
    try {
      if (header.encoder == "error") {
        auto err = error_record(payload);
        if (!err.is_object())
          throw call_error("BadResponse", "the service sent an error record that is not a JSON object");
        throw call_error(err.value("type", "Error"), err.value("message", ""));
      }
      auto c = codec_from_name(header.encoder);
      promise.set_value(decode(payload, c.value_or(codec::json), limits_.max_depth));
    } catch (...) {
      promise.set_exception(std::current_exception());
    }
    backlog_.release();
  }

  /// An error record's payload as JSON, its depth checked first; discarded
  /// when it is not JSON or nests too deeply.
  json error_record(std::string_view payload) const {
    if (json_text_depth(payload, limits_.max_depth) > limits_.max_depth)
      return json(json::value_t::discarded);
    return json::parse(payload.begin(), payload.end(), nullptr, false);
  }

  /// "Type: message" of an error record's payload, at most 300 bytes.
  std::string error_text(std::string_view payload) const {
    auto err = error_record(payload);
    if (!err.is_object())
      return "";
    auto type = err.value("type", json("Error"));
    auto message = err.value("message", json(""));
    auto text = (type.is_string() ? type.get<std::string>() : std::string("Error")) + ": "
                + (message.is_string() ? message.get<std::string>() : std::string());
    return text.substr(0, 300);
  }

  void fail_all(const std::string& reason) {
    std::unordered_map<std::string, std::promise<json>> failed;
    {
      std::lock_guard<std::mutex> guard{pending_mutex_};
      if (!lost_) {
        lost_ = true;
        lost_reason_ = reason;
      }
      failed.swap(pending_);
      in_flight_ = 0;
    }
    for (auto& [id, promise] : failed) {
      promise.set_exception(std::make_exception_ptr(
        call_error(error_type::connection_lost, reason)));
      backlog_.release();
    }
  }

  int fd_;
  slots& backlog_;
  record_limits limits_;
  std::mutex write_mutex_;
  std::mutex pending_mutex_;
  std::unordered_map<std::string, std::promise<json>> pending_;
  std::atomic<std::size_t> in_flight_{0};
  std::atomic<bool> lost_{false};
  std::string lost_reason_;
  std::string service_said_; // its last error about no call, by the reader
  std::thread reader_;
};

class socket_client::impl {
public:
  explicit impl(client_options options)
    : options_(std::move(options)), backlog_(options_.backlog) {
    if (options_.num_connections == 0 || options_.backlog == 0)
      throw std::invalid_argument("socket_client needs at least one connection and a backlog of 1");
    if (options_.num_connections > max_client_connections)
      throw std::invalid_argument("socket_client opens at most "
                                  + std::to_string(max_client_connections) + " connections, not "
                                  + std::to_string(options_.num_connections));
    for (std::size_t i = 0; i < options_.num_connections; ++i)
      connections_.push_back(std::make_unique<client_connection>(
        connect_with_retry(options_), backlog_, options_.max_frame, options_.max_depth));
  }

  client_connection& pick() {
    client_connection* best = nullptr;
    for (auto& c : connections_)
      if (!c->lost() && (best == nullptr || c->in_flight() < best->in_flight()))
        best = c.get();
    if (best == nullptr)
      throw call_error(error_type::connection_lost,
                       "every connection to " + where(options_) + " is lost");
    return *best;
  }

  client_options options_;
  slots backlog_;
  std::vector<std::unique_ptr<client_connection>> connections_;
  std::atomic<std::uint64_t> next_id_{1};
  std::atomic<bool> closed_{false};
};

socket_client::socket_client(client_options options)
  : impl_(std::make_unique<impl>(std::move(options))) {
}

socket_client::~socket_client() {
  close();
}

std::future<json> socket_client::submit(const std::string& path, const json& data,
                                        std::optional<std::chrono::milliseconds> enqueue_timeout) {
  if (impl_->closed_)
    throw call_error(error_type::connection_lost, "the client is closed");
  if (!impl_->backlog_.acquire(enqueue_timeout))
    throw call_error(error_type::timeout,
                     std::to_string(impl_->options_.backlog)
                       + " requests in flight; no room within "
                       + std::to_string(enqueue_timeout->count()) + " ms");
  std::promise<json> promise;
  auto result = promise.get_future();
  try {
    auto id = std::to_string(impl_->next_id_++);
    auto payload = json_text(json::array({path, data}));
    std::string record;
    record.reserve(payload.size() + 32);
    append_record(record, id, "json", payload);
    impl_->pick().send(id, std::move(record), std::move(promise));
  } catch (...) {
    impl_->backlog_.release();
    throw;
  }
  return result;
}

json socket_client::request(const std::string& path, const json& data,
                            std::optional<std::chrono::milliseconds> enqueue_timeout,
                            std::optional<std::chrono::milliseconds> response_timeout) {
  auto result = submit(path, data, enqueue_timeout);
  if (response_timeout && response_timeout->count() <= 0)
    return nullptr;
  if (response_timeout && result.wait_for(*response_timeout) != std::future_status::ready)
    throw call_error(error_type::timeout,
                     "no response from " + path + " within "
                       + std::to_string(response_timeout->count()) + " ms");
  return result.get();
}

void socket_client::stream(const std::string& path,
                           const std::function<std::optional<json>()>& next_input,
                           const std::function<void(stream_result&&)>& on_result,
                           const stream_options& options) {
  struct in_flight {
    json x;
    std::future<json> y;
    steady::time_point sent;
    std::optional<call_error> failed;
  };
  std::deque<in_flight> window;
  auto deliver_front = [&] {
    auto item = std::move(window.front());
    window.pop_front();
    stream_result result;
    if (options.return_x)
      result.x = std::move(item.x);
    if (item.failed) {
      result.error = std::move(item.failed);
    } else if (item.y.wait_until(item.sent + options.response_timeout)
               != std::future_status::ready) {
      result.error = call_error(error_type::timeout,
                                "no response from " + path + " within "
                                  + std::to_string(options.response_timeout.count()) + " ms");
    } else {
      try {
        result.y = item.y.get();
      } catch (const call_error& e) {
        result.error = e;
      }
    }
    if (result.error && !options.return_exceptions)
      throw *result.error;
    on_result(std::move(result));
  };
  auto ready = [](in_flight& item) {
    return item.failed
           || item.y.wait_for(std::chrono::seconds{0}) == std::future_status::ready;
  };
  while (auto x = next_input()) {
    while (window.size() >= impl_->options_.backlog)
      deliver_front();
    in_flight item{*x, {}, steady::now(), std::nullopt};
    try {
      item.y = submit(path, *x, options.enqueue_timeout);
    } catch (const call_error& e) {
      item.failed = e;
    }
    window.push_back(std::move(item));
    while (!window.empty() && ready(window.front()))
      deliver_front();
  }
  while (!window.empty())
    deliver_front();
}

std::vector<stream_result> socket_client::stream(const std::string& path,
                                                 const std::vector<json>& inputs,
                                                 const stream_options& options) {
  std::vector<stream_result> results;
  results.reserve(inputs.size());
  std::size_t next = 0;
  stream(
    path,
    [&]() -> std::optional<json> {
      if (next == inputs.size())
        return std::nullopt;
      return inputs[next++];
    },
    [&](stream_result&& r) { results.push_back(std::move(r)); }, options);
  return results;
}

void socket_client::close(std::chrono::milliseconds timeout) {
  if (impl_->closed_.exchange(true))
    return;
  impl_->backlog_.wait_all_free(timeout);
  impl_->connections_.clear();
}

} // namespace actorserve::socket
