// What the listeners and every session of one Server share: the handler, the limits, TLS and
// basic auth, the counts of open connections, the idle list, the log. Held by shared_ptr: it lives
// as long as the last session.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>

#include <boost/asio/ssl/context.hpp>

#include "http/basic_auth.hpp"
#include "http/idle_connections.hpp"
#include "http/message.hpp"
#include "http/password_checks.hpp"
#include "http/server.hpp"  // RejectionCounter
#include "http/server_limits.hpp"
#include "http/source_counts.hpp"
#include "log/logger.hpp"

namespace spe::http {

struct ServerState {
  ServerState(Handler handler, Logger& logger, ServerLimits limits)
      : handler(std::move(handler)), logger(logger), limits(limits), sources(limits.max_connections_per_source) {}

  Handler handler;
  // Transport failures (TLS handshakes, reads, writes) at debug, failed accepts at warn; always
  // with the client's address, never a request's headers or body.
  Logger& logger;
  ServerLimits limits;
  std::shared_ptr<boost::asio::ssl::context> tls;   // null: plain HTTP
  std::shared_ptr<BasicAuth> auth;                  // null: no authentication
  std::shared_ptr<PasswordChecks> password_checks;  // with auth: where bcrypt runs, off the io threads
  RejectionCounter count_rejection;                 // may be empty
  std::atomic<std::size_t> connections{0};
  SourceCounts sources;
  IdleConnections idle;
};

}  // namespace spe::http
