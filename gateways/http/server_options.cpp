#include "gateways/http/server_options.hpp"

#include <stdexcept>

namespace actorserve::http {

void server_options::check() const {
  auto refuse = [](const std::string& why) { throw std::invalid_argument("HTTP: " + why); };
  if (threads == 0)
    refuse("threads must be at least 1");
  if (backlog < 1)
    refuse("the listen backlog must be at least 1, not " + std::to_string(backlog));
  if (limits.header_limit == 0 || limits.max_connections == 0 || limits.pipeline_limit == 0)
    refuse("the header limit, the connection limit and the pipeline limit must each be at "
           "least 1");
  if (limits.idle_timeout.count() <= 0 || limits.body_timeout.count() <= 0
      || limits.write_timeout.count() <= 0 || call_timeout.count() <= 0)
    refuse("the idle, body, write and call timeouts must each be above 0");
  if (limits.max_queued_bytes == 0)
    refuse("the bytes of responses a connection may queue must be at least 1");
}

} // namespace actorserve::http
