// Writes a response's head by hand: Beast's fields allocate per header and
// its serializer walks a chain of buffer views, which cost more than the
// rest of the HTTP gateway's work on a small response. Of Beast it takes
// only the status reasons (a light header).
#include "gateways/http/response_bytes.hpp"

#include <charconv>
#include <utility>
#include <vector>

#include <ostream> // boost/beast/http/status.hpp uses it without including it

#include <boost/beast/http/status.hpp>

#include "gateways/http/ascii_case.hpp"

namespace actorserve::http {

namespace {

/// RFC 9110's token characters.
bool is_token(std::string_view name) {
  if (name.empty())
    return false;
  for (unsigned char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!ok) {
      static constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
      if (extra.find(static_cast<char>(c)) == std::string_view::npos)
        return false;
    }
  }
  return true;
}

/// The value without surrounding blanks; throws on a control character
/// other than a tab, or past the length limit.
std::string_view checked_value(std::string_view name, std::string_view value) {
  if (value.size() > max_header_value)
    throw bad_response("the value of the header " + std::string(name) + " is "
                       + std::to_string(value.size()) + " bytes, more than the limit of "
                       + std::to_string(max_header_value));
  for (unsigned char c : value)
    if ((c < 0x20 && c != '\t') || c == 0x7f)
      throw bad_response("the value of the header " + std::string(name)
                         + " holds a control character");
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
    value.remove_suffix(1);
  return value;
}

/// Headers the gateway writes itself, whatever the route says.
bool framing_header(std::string_view name) {
  return iequals_ascii(name, "Content-Length") || iequals_ascii(name, "Transfer-Encoding")
         || iequals_ascii(name, "Connection") || iequals_ascii(name, "Keep-Alive")
         || iequals_ascii(name, "X-Request-Id");
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ", 2);
  out.append(value);
  out.append("\r\n", 2);
}

} // namespace

response_bytes to_response_bytes(http_response&& r, unsigned version,
                                 std::string_view request_id, bool head_request) {
  if (r.status < 200 || r.status > 999)
    throw bad_response("the status " + std::to_string(r.status)
                       + " cannot answer a request (a final status is 200 to 999)");
  bool bodiless = r.status == 204 || r.status == 304;
  if (bodiless && !r.body.empty())
    throw bad_response("a " + std::to_string(r.status) + " response has no body, and this one "
                       "has " + std::to_string(r.body.size()) + " bytes");
  std::string_view server = "actorserve";
  std::string_view content_type = checked_value("Content-Type", r.content_type);
  // The route's own headers, checked; Server and Content-Type replace ours.
  std::vector<std::pair<std::string_view, std::string_view>> extra;
  extra.reserve(r.headers.size());
  std::size_t size = 128 + content_type.size() + request_id.size();
  for (auto& [name, value] : r.headers) {
    if (name.size() > max_header_name)
      throw bad_response("a header name is " + std::to_string(name.size())
                         + " bytes, more than the limit of " + std::to_string(max_header_name));
    if (!is_token(name))
      throw bad_response("the header name '" + name.substr(0, 64) + "' is not an HTTP token");
    auto v = checked_value(name, value);
    if (framing_header(name))
      continue;
    if (iequals_ascii(name, "Server")) {
      server = v;
    } else if (iequals_ascii(name, "Content-Type")) {
      content_type = v;
    } else {
      extra.emplace_back(name, v);
      size += name.size() + v.size() + 4;
    }
  }
  response_bytes out;
  out.status = r.status;
  auto& h = out.head;
  h.reserve(size);
  h.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  char number[24];
  auto end = std::to_chars(number, number + sizeof number, r.status).ptr;
  h.append(number, end);
  h.push_back(' ');
  auto reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(r.status));
  h.append(reason.data(), reason.size());
  h.append("\r\n", 2);
  append_header(h, "Server", server);
  append_header(h, "Content-Type", content_type);
  for (auto& [name, value] : extra)
    append_header(h, name, value);
  append_header(h, "X-Request-Id", request_id);
  if (!bodiless) {
    end = std::to_chars(number, number + sizeof number, r.body.size()).ptr;
    append_header(h, "Content-Length", std::string_view(number, end - number));
    if (!head_request)
      out.body = std::move(r.body);
  }
  return out;
}

std::string_view end_of_head(unsigned version, bool keep_alive) {
  if (version == 10)
    return keep_alive ? "Connection: keep-alive\r\n\r\n" : "\r\n";
  return keep_alive ? "\r\n" : "Connection: close\r\n\r\n";
}

} // namespace actorserve::http
