// The HTTP server (Boost.Beast) behind a narrow interface: bytes in, http::Request to the handler,
// http::Response out. Limits every request (ServerLimits): header and body size, the time a client
// may take to send one request, requests per connection, connections at once (in all and per
// client address) and password checks waiting, so that no client can starve the others.
// Optionally TLS (with client certificates) and basic auth from the web config; compresses large
// bodies with gzip for clients that accept it. Its parts: Listener (accepting, with back-off),
// Session (one connection), ServerState (what they share), make_tls_context.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/listen_address.hpp"
#include "http/message.hpp"
#include "http/server_limits.hpp"
#include "http/web_config.hpp"
#include "log/logger.hpp"
#include "metrics/reject_reason.hpp"
#include "util/io_pool.hpp"
#include "util/result.hpp"

namespace spe::http {

// Told the reason of each request the server refuses on its own (auth_overload: too many password
// checks waiting), from any thread.
using RejectionCounter = std::function<void(metrics::RejectReason reason)>;

class Server {
 public:
  // Listens on loops.main(); each accepted connection runs on loops.next(). Transport failures are
  // logged to `logger` (see ServerState), which must outlive the loops' io_contexts.
  Server(IoPool& loops, Handler handler, Logger& logger, ServerLimits limits = {});
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
