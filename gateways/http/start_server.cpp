#include "gateways/http/start_server.hpp"

#include <map>
#include <mutex>
#include <stdexcept>

#include "actors/log.hpp"
#include "actors/worker_invitation.hpp"
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

} // namespace

void start_server(const application& app, const server_options& options,
                  const std::function<void(const std::string&)>& on_ready) {
  options.check(); // before any worker process starts
  node_options nopts;
  nopts.drain_timeout = options.drain_timeout;
  nopts.handle_signals = options.handle_signals;
  nopts.pool = options.pool;
  nopts.pool.workers = options.workers;
  nopts.pool.worker_contexts = options.worker_contexts;
  if (auto invitation = take_worker_invitation()) {
    nopts.pool.join = std::move(invitation);
    node worker(app, nopts);
    worker.wait();
    return;
  }
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
