// "127.0.0.1:10025", "[::1]:10025": an endpoint as logs and messages show it.
#pragma once

#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace spe::http {

inline std::string endpoint_text(const boost::asio::ip::tcp::endpoint& endpoint) {
  const auto address = endpoint.address().to_string();
  const auto port = std::to_string(endpoint.port());
  return endpoint.address().is_v6() ? "[" + address + "]:" + port : address + ":" + port;
}

}  // namespace spe::http
