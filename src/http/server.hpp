// The HTTP listener and its sessions (Boost.Beast), kept in one translation unit behind this narrow
// interface: bytes in, http::Request to the handler, http::Response out. Limits every request:
// header and body size, and the time a client may take to send one request.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "cli/options.hpp"
#include "http/message.hpp"
#include "util/result.hpp"

namespace spe::http {

struct ServerLimits {
  std::size_t header_bytes = 8 * 1024;
  std::size_t body_bytes = 64 * 1024;
  std::chrono::seconds read_timeout{10};   // to receive one whole request
  std::chrono::seconds write_timeout{30};  // to send one whole response
  unsigned keep_alive_requests = 100;      // per connection, then it is closed
};

class Server {
 public:
  Server(boost::asio::io_context& io, Handler handler, ServerLimits limits = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting. Returns the bound addresses as "host:port" (port 0 resolved).
  // ":port" listens on every interface (IPv6 and IPv4).
  Result<std::vector<std::string>> listen(const std::vector<ListenAddress>& addresses);

  // Stops accepting; open sessions finish their current response.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spe::http
