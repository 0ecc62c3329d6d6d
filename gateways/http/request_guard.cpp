#include "gateways/http/request_guard.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <string_view>

#include "gateways/http/ascii_case.hpp"

namespace actorserve::http {

namespace {

/// The headers the guard reads, each the first of its name, found in one
/// pass: every request pays for this.
struct guarded_headers {
  const std::string* origin = nullptr;
  const std::string* fetch_site = nullptr;
  const std::string* host = nullptr;

  explicit guarded_headers(const http_request& request) {
    for (auto& [key, value] : request.headers) {
      if (origin == nullptr && iequals_ascii(key, "origin"))
        origin = &value;
      else if (fetch_site == nullptr && iequals_ascii(key, "sec-fetch-site"))
        fetch_site = &value;
      else if (host == nullptr && iequals_ascii(key, "host"))
        host = &value;
    }
  }
};

/// This machine's own name, as a client on the network names it.
const std::string& machine_name() {
  static const std::string name = [] {
    char buf[256] = {};
    return ::gethostname(buf, sizeof buf - 1) == 0 ? ascii_lowered(buf) : std::string{};
  }();
  return name;
}

bool listed(const std::vector<std::string>& list, const std::string& value) {
  return std::any_of(list.begin(), list.end(),
                     [&](const std::string& x) { return iequals_ascii(x, value); });
}

/// Whether `name` is one of `hosts`, each read as a Host header is.
bool listed_host(const std::vector<std::string>& hosts, const std::string& name) {
  return std::any_of(hosts.begin(), hosts.end(),
                     [&](const std::string& x) { return host_name(x) == name; });
}

} // namespace

std::string host_name(const std::string& host_header) {
  std::string_view h = host_header;
  if (!h.empty() && h.front() == '[') {
    auto close = h.find(']');
    if (close != std::string_view::npos)
      h = h.substr(1, close - 1);
  } else {
    auto colon = h.find(':');
    if (colon != std::string_view::npos && h.find(':', colon + 1) == std::string_view::npos)
      h = h.substr(0, colon); // one colon: name:port; more: an IPv6 address without brackets
    if (!h.empty() && h.back() == '.')
      h.remove_suffix(1); // "localhost." is "localhost"
  }
  // Only the name is copied and lower-cased, not the port.
  return ascii_lowered(std::string(h));
}

bool is_ip_literal(const std::string& name) {
  // An IPv4 address starts with a digit and an IPv6 one holds a colon: a
  // name needs no parsing.
  if (name.empty() || ((name.front() < '0' || name.front() > '9')
                       && name.find(':') == std::string::npos))
    return false;
  unsigned char buf[16];
  return ::inet_pton(AF_INET, name.c_str(), buf) == 1
         || ::inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

std::optional<std::string> refusal(const http_request& request,
                                   const request_guard_options& options,
                                   const std::string& bound_host) {
  guarded_headers h{request};
  auto origin = h.origin;
  if (origin != nullptr && !listed(options.allowed_origins, *origin))
    return "requests from web pages of " + *origin
           + " are not allowed (allow an origin with --allowed-origin)";
  // A page of another site may make a browser send a GET with no Origin
  // (an image, a link); the browser says so in Sec-Fetch-Site.
  if (auto site = h.fetch_site; site != nullptr && origin == nullptr) {
    if (iequals_ascii(*site, "cross-site") || iequals_ascii(*site, "same-site"))
      return "requests that web pages of other sites make are not allowed (Sec-Fetch-Site: "
             + *site + ")";
  }
  if (h.host == nullptr)
    return std::nullopt; // HTTP/1.0 (HTTP/1.1 without Host is malformed, refused earlier)
  auto name = host_name(*h.host);
  // The cheap comparisons first: most clients name the address the gateway
  // binds.
  if (name.empty() || iequals_ascii(name, bound_host) || name == "localhost"
      || (!machine_name().empty() && name == machine_name()) || is_ip_literal(name)
      || listed_host(options.allowed_hosts, name))
    return std::nullopt;
  return "this service does not answer to the host name '" + name
         + "' (allow a name with --allowed-host)";
}

bool is_loopback_peer(const std::string& peer) {
  auto host = peer_address(peer);
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) != 1)
    return false;
  if (IN6_IS_ADDR_LOOPBACK(&v6))
    return true;
  return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

} // namespace actorserve::http
