#include "gateways/http/start_server.hpp"

#include <map>
#include <mutex>
#include <stdexcept>

#include "actors/log.hpp"
#include "actors/node.hpp"
#include "gateways/http/http_server.hpp"

namespace actorserve::http {

namespace {

/// The servers running in this process, by server_id.
struct server_registry {
  std::mutex mutex;
  std::map<std::string, node*> servers;

  static server_registry& instance() {
    static server_registry registry;
    return registry;
  }
};

/// Keeps a server in the registry while it runs.
class registration {
public:
  registration(const std::string& id, node& n) : id_(id) {
    auto& r = server_registry::instance();
    std::lock_guard<std::mutex> guard{r.mutex};
    if (!r.servers.emplace(id, &n).second)
      throw std::invalid_argument("a server with server_id '" + id
                                  + "' is already running in this process");
  }

  ~registration() {
    auto& r = server_registry::instance();
    std::lock_guard<std::mutex> guard{r.mutex};
    r.servers.erase(id_);
  }

private:
  std::string id_;
};

void check(const server_options& options) {
  if (options.workers == 0)
    throw std::invalid_argument("workers must be at least 1");
  if (options.workers > 1)
    throw std::invalid_argument("workers = " + std::to_string(options.workers)
                                + " needs worker processes, which this build does not "
                                  "support yet; use workers = 1");
  if (!options.worker_contexts.empty() && options.worker_contexts.size() != options.workers)
    throw std::invalid_argument("worker_contexts holds "
                                + std::to_string(options.worker_contexts.size())
                                + " values for " + std::to_string(options.workers)
                                + " worker(s); give one per worker, or none");
}

} // namespace

void start_server(const application& app, const server_options& options,
                  const std::function<void(const std::string&)>& on_ready) {
  check(options);
  node_options nopts;
  nopts.drain_timeout = options.drain_timeout;
  nopts.handle_signals = options.handle_signals;
  if (!options.worker_contexts.empty())
    nopts.context.value = options.worker_contexts[0];
  node n(app, nopts);
  registration registered(options.server_id, n);
  http_server server(n, options);
  if (on_ready)
    on_ready(server.endpoint());
  n.wait();
}

void stop_server(const std::string& server_id) {
  auto& r = server_registry::instance();
  std::lock_guard<std::mutex> guard{r.mutex};
  auto it = r.servers.find(server_id);
  if (it == r.servers.end()) {
    log::warning("stop_server: no server with server_id '" + server_id
                 + "' runs in this process; nothing to stop");
    return;
  }
  it->second->shutdown();
}

} // namespace actorserve::http
