#pragma once

// Binding a TCP listener, shared by the HTTP and socket gateways (their I/O
// files include Asio anyway; this keeps it out of every other file).
#include <cstdint>
#include <stdexcept>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/socket_base.hpp>

namespace actorserve {

/// "host:port", an IPv6 address in brackets.
inline std::string endpoint_text(const boost::asio::ip::tcp::endpoint& ep) {
  auto host = ep.address().to_string();
  return (ep.address().is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(ep.port());
}

/// Resolves `host` (a name or an address), then opens, binds (with
/// SO_REUSEADDR) and listens on `acceptor`, a TCP acceptor or a generic
/// stream one. Throws std::runtime_error "cannot listen at host:port: why".
template <class Acceptor>
void listen_tcp(Acceptor& acceptor, const std::string& host, std::uint16_t port, int backlog) {
  using tcp = boost::asio::ip::tcp;
  auto where = host + ":" + std::to_string(port);
  boost::system::error_code ec;
  tcp::resolver resolver{acceptor.get_executor()};
  auto found = resolver.resolve(host, std::to_string(port), tcp::resolver::passive, ec);
  if (ec || found.empty())
    throw std::runtime_error("cannot listen at " + where + ": " + ec.message());
  typename Acceptor::endpoint_type ep{found.begin()->endpoint()};
  acceptor.open(ep.protocol(), ec);
  if (!ec)
    acceptor.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec)
    acceptor.bind(ep, ec);
  if (!ec)
    acceptor.listen(backlog, ec);
  if (ec)
    throw std::runtime_error("cannot listen at " + where + ": " + ec.message());
}

} // namespace actorserve
