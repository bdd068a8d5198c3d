// The bounds every connection and request of the server is held to, so that no client can starve
// the others.
#pragma once

#include <chrono>
#include <cstddef>

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

}  // namespace spe::http
