#include "gateways/socket/socket_options.hpp"

#include <stdexcept>

namespace actorserve::socket {

void socket_options::check() const {
  auto refuse = [](const std::string& why) {
    throw std::invalid_argument("socket gateway: " + why);
  };
  if (backlog == 0)
    refuse("the backlog (calls in flight per connection) must be at least 1");
  if (listen_backlog < 1)
    refuse("the listen backlog must be at least 1, not " + std::to_string(listen_backlog));
  if (limits.max_header == 0 || limits.max_frame == 0)
    refuse("the header and frame limits must each be at least 1 byte");
  if (call_timeout.count() <= 0 || idle_timeout.count() <= 0 || record_timeout.count() <= 0
      || write_timeout.count() <= 0)
    refuse("the call, idle, record and write timeouts must each be above 0");
  if (max_connections == 0)
    refuse("the connection limit must be at least 1");
  if (max_incomplete_bytes < limits.max_frame)
    refuse("the budget for records not yet complete (" + std::to_string(max_incomplete_bytes)
           + " bytes) must hold at least one whole record (" + std::to_string(limits.max_frame)
           + " bytes)");
}

} // namespace actorserve::socket
