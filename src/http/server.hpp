// The HTTP listener and its sessions (Boost.Beast), kept in one translation unit behind this narrow
// interface: bytes in, http::Request to the handler, http::Response out. Limits every request:
// header and body size, the time a client may take to send one request, requests per connection
// and connections at once. Optionally TLS (with client certificates) and basic auth from the web
// config; compresses large bodies with gzip for clients that accept it.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>


#include "cli/options.hpp"
#include "http/message.hpp"
#include "http/web_config.hpp"
#include "util/io_pool.hpp"
#include "util/result.hpp"

namespace spe::http {

struct ServerLimits {
  // Request line and header fields together. Over it: 414 when the request line alone does not
  // fit, else 431. A body over body_bytes: 413. Each answer closes the connection.
  std::size_t header_bytes = 8 * 1024;
  std::size_t body_bytes = 64 * 1024;
  // To complete the TLS handshake, then to receive each whole request (the wait for the next
  // request on a kept-alive connection included). A client slower than this is disconnected.
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds write_timeout{30'000};  // to send one whole response
  unsigned keep_alive_requests = 100;               // per connection, then it is closed
  // Connections open at once; one more is closed as soon as it is accepted, before reading a byte.
  std::size_t max_connections = 10'000;
  // Bodies of at least this size are gzip-compressed for clients that send Accept-Encoding: gzip.
  std::size_t gzip_min_bytes = 1024;
};

class Server {
 public:
  // Listens on loops.main(); each accepted connection runs on loops.next().
  Server(IoPool& loops, Handler handler, ServerLimits limits = {});
  // Destroy the server only after the loops have stopped running (main does: IoPool::run has
  // returned). Open sessions are then released with the io_contexts.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // TLS and basic auth for every listener; call before listen(). Loads the certificate chain, key
  // and client CA into OpenSSL (TLS 1.2 and later); an error names the key and where it was set:
  // "tls.key_file: ... at web.toml:3:12". With users, every request needs their credentials
  // (401 with WWW-Authenticate: Basic realm="ssh_probe_exporter" otherwise); passwords are checked
  // with bcrypt on a thread of the server's own, never on an io thread.
  Result<void> use_web_config(const WebConfig& config);

  // Binds and starts accepting. Returns the bound addresses as "host:port" (port 0 resolved).
  // ":port" listens on every interface (IPv6 and IPv4).
  Result<std::vector<std::string>> listen(const std::vector<ListenAddress>& addresses);

  // Stops accepting; open sessions finish their current response.
  void stop();

  // Connections open now (accepted and not yet closed). Thread-safe.
  std::size_t open_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spe::http
