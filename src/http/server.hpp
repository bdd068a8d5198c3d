// The HTTP listener and its sessions (Boost.Beast), kept in one translation unit behind this narrow
// interface: bytes in, http::Request to the handler, http::Response out. Limits every request:
// header and body size, the time a client may take to send one request, requests per connection,
// connections at once (in all and per client address) and password checks waiting, so that no
// client can starve the others. Optionally TLS (with client certificates) and basic auth from the
// web config; compresses large bodies with gzip for clients that accept it.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>


#include "cli/options.hpp"
#include "http/message.hpp"
#include "http/web_config.hpp"
#include "metrics/reject_reason.hpp"
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
  // Connections open at once. One more takes the slot of the connection idle longest (waiting for
  // its TLS handshake or a request, or closing), which is closed; when none is idle, the new one is
  // closed as soon as it is accepted, before reading a byte.
  std::size_t max_connections = 10'000;
  // Connections open at once from one client address (0: no cap). One more is closed as soon as
  // it is accepted, even below max_connections: a client holding connections busy (slow probes,
  // unread responses) cannot take every slot.
  std::size_t max_connections_per_source = 0;
  // With basic auth: distinct Authorization headers waiting for bcrypt (or being checked) at once.
  // A request with one more gets 503 with Retry-After: 1 at once; requests with a header already
  // waiting share its check. At about 60 ms per check (cost 10), no login waits much over a second.
  std::size_t password_checks = 16;
  // Bodies of at least this size are gzip-compressed for clients that send Accept-Encoding: gzip.
  std::size_t gzip_min_bytes = 1024;
};

// Told the reason of each request the server refuses on its own (auth_overload: too many password
// checks waiting), from any thread.
using RejectionCounter = std::function<void(metrics::RejectReason reason)>;

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
  // with bcrypt on a thread of the server's own, never on an io thread (see password_checks).
  Result<void> use_web_config(const WebConfig& config);

  // Binds and starts accepting. Returns the bound addresses as "host:port" (port 0 resolved).
  // ":port" listens on every interface (IPv6 and IPv4).
  Result<std::vector<std::string>> listen(const std::vector<ListenAddress>& addresses);

  // Where refusals are counted; call before listen().
  void count_rejections(RejectionCounter counter);

  // Stops accepting; open sessions finish their current response.
  void stop();

  // Connections open now (accepted and not yet closed). Thread-safe.
  std::size_t open_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spe::http
