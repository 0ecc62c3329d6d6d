#include "actors/workers/worker_agent.hpp"

#include <caf/actor_cast.hpp>
#include <caf/sec.hpp>

#include "actors/reply.hpp"
#include "actors/runtime/atoms.hpp"
#include "actors/runtime/local_only.hpp"
#include "actors/log.hpp"
#include "actors/private_file.hpp"
#include "actors/workers/join_protocol.hpp"

namespace actorserve {

worker_agent::worker_agent(caf::actor_config& cfg, caf::actor supervisor,
                           caf::actor local_broadcast, int index, std::string link_token,
                           std::chrono::milliseconds heartbeat_interval,
                           std::chrono::milliseconds heartbeat_timeout,
                           std::shared_ptr<metrics::registry> metrics,
                           gather_targets gates)
  : caf::event_based_actor(cfg),
    supervisor_(std::move(supervisor)),
    local_broadcast_(std::move(local_broadcast)),
    index_(index),
    link_token_(std::move(link_token)),
    heartbeat_interval_(heartbeat_interval),
    heartbeat_timeout_(heartbeat_timeout),
    metrics_(std::move(metrics)),
    gates_(std::move(gates)) {
  set_default_handler(caf::drop);
  set_down_handler([this](caf::down_msg& msg) {
    if (supervisor_ && msg.source == supervisor_.address())
      stop_worker("the supervisor is gone (" + system().render(msg.reason) + ")");
  });
}

caf::behavior worker_agent::make_behavior() {
  monitor(supervisor_);
  last_ping_ = clock().now();
  delayed_send(this, heartbeat_interval_, tick_atom::value, local_only{});
  return {
    [this](ping_atom, const std::string& token) {
      if (!from_supervisor(token))
        return;
      last_ping_ = clock().now();
      send(supervisor_, pong_atom::value, static_cast<std::int32_t>(index_), link_token_);
    },
    [this](tick_atom, local_only) {
      if (!leaving_ && clock().now() - last_ping_ > heartbeat_timeout_)
        stop_worker("the supervisor has been silent for longer than "
                    + std::to_string(heartbeat_timeout_.count()) + " ms");
      delayed_send(this, heartbeat_interval_, tick_atom::value, local_only{});
    },
    [this](metrics_atom, const std::string& token) -> caf::result<reply> {
      if (!from_supervisor(token))
        return caf::make_error(caf::sec::runtime_error, "not from the supervisor");
      return reply{metrics_ ? metrics::to_json(metrics_->collect()) : json::array()};
    },
    [this](debug_calls_atom, const std::string& token) -> caf::result<reply> {
      if (!from_supervisor(token))
        return caf::make_error(caf::sec::runtime_error, "not from the supervisor");
      auto promise = make_response_promise<reply>();
      gather(
        gates_,
        [promise](json by_path) mutable {
          json routes = json::array();
          for (auto& [path, figures] : by_path.items())
            routes.push_back(std::move(figures));
          promise.deliver(reply{std::move(routes)});
        },
        [this](const std::string&, const caf::actor& gate) {
          return request(gate, std::chrono::seconds{1}, debug_calls_atom::value, local_only{});
        });
      return promise;
    },
    [this](evict_atom, const std::string& why, const std::string& token) {
      if (from_supervisor(token))
        stop_worker("the supervisor let this worker go: " + why);
    },
    [this](shutdown_atom, local_only) {
      // This node's own broadcast: the supervisor must send no new calls.
      if (!leaving_ && supervisor_)
        send(supervisor_, leave_atom::value, static_cast<std::int32_t>(index_), link_token_);
      leaving_ = true;
      send(caf::actor_cast<caf::actor>(current_sender()), drained_atom::value, local_only{});
    },
    [this](stop_atom, const std::string& token) {
      // From the supervisor, over the link: this node stops.
      if (from_supervisor(token)) {
        leaving_ = true;
        anon_send(local_broadcast_, stop_atom::value, local_only{});
      }
    },
    [this](stop_atom, local_only) { quit(); }, // the end of this node's broadcast
  };
}

void worker_agent::on_exit() {
  supervisor_ = nullptr;
  local_broadcast_ = nullptr;
}

bool worker_agent::from_supervisor(const std::string& token) const {
  return supervisor_ && same_secret(token, link_token_);
}

void worker_agent::stop_worker(const std::string& why) {
  if (leaving_)
    return;
  leaving_ = true;
  log::warning(why + "; worker " + std::to_string(index_) + " stops");
  // Nobody is left to answer: no drain.
  anon_send(local_broadcast_, stop_atom::value, local_only{});
}

} // namespace actorserve
