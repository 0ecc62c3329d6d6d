// HTTP requests as the gateway takes them: Beast's parser with the
// gateway's header and body limits, the mapping to the gateway's request,
// the Host and Origin checks, and the body's JSON with its nesting limit.
#include <cstddef>
#include <cstdint>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "actors/json.hpp"
#include "actors/json_depth.hpp"
#include "gateways/http/beast_request.hpp"
#include "gateways/http/http_listener.hpp"
#include "actors/request_id.hpp"
#include "gateways/client_timeout.hpp"
#include "gateways/http/access_log.hpp"
#include "gateways/http/request_guard.hpp"

using namespace actorserve;
namespace bhttp = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  http::http_limits limits;
  http::request_guard_options guard;
  guard.allowed_hosts = {"svc.internal"};
  guard.allowed_origins = {"https://app.example"};
  auto bytes = boost::asio::const_buffer(data, size);
  // Requests one after the other on one connection, as pipelining sends them.
  while (bytes.size() > 0) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.header_limit));
    parser.body_limit(limits.body_limit);
    parser.eager(true);
    boost::beast::error_code ec;
    auto used = parser.put(bytes, ec);
    if (!ec && !parser.is_done())
      parser.put_eof(ec);
    if (ec || !parser.is_done())
      break;
    bytes += used;
    auto request = http::to_http_request(parser.release(), "127.0.0.1:1");
    (void) http::refusal(request, guard, "127.0.0.1");
    // The request id is the client's only when it is acceptable, and every
    // access log line stays one printable line whatever the request held.
    if (!acceptable_request_id(request.request_id))
      __builtin_trap();
    http::access_entry entry;
    entry.peer = request.peer;
    entry.method = request.method;
    entry.target = request.target;
    entry.request_id = request.request_id;
    for (auto& line : {http::common_log_line(entry), http::json_log_line(entry)})
      for (unsigned char c : line)
        if (c < 0x20 || c >= 0x7f)
          __builtin_trap();
    // A client's own deadline: refused with a reason, or above 0 and at
    // most a day.
    for (auto& [name, value] : request.headers)
      if (name.size() == 17 && (name[0] == 'x' || name[0] == 'X')) {
        auto asked = parse_client_timeout(value);
        if (asked.value.has_value() == !asked.error.empty()
            || (asked.value && (asked.value->count() <= 0
                                || *asked.value > std::chrono::hours{24})))
          __builtin_trap();
      }
    if (json_text_depth(request.body, default_max_depth) <= default_max_depth) {
      auto input = json::parse(request.body, nullptr, false);
      if (!input.is_discarded())
        (void) json_text(input);
    }
    if (used == 0)
      break;
  }
  return 0;
}
