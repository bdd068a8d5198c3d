// The exporter's HTTP server (spe::http::Server) in the test process, on 127.0.0.1 with two event loops and a
// handler the test supplies: for what the transport does (limits, TLS, clients that leave), without a probe.
#pragma once

#include <chrono>
#include <cstddef>
#include <sstream>
#include <string>
#include <thread>

#include "http/server.hpp"
#include "log/logger.hpp"
#include "util/io_pool.hpp"

namespace spe::test {

class LocalServer {
 public:
  // Listens on an ephemeral port of 127.0.0.1 with web (TLS, auth) and runs its loops on a thread of its own;
  // throws std::runtime_error when the web config is refused or it cannot listen. The destructor stops the
  // server and its loops.
  LocalServer(http::Handler handler, http::ServerLimits limits = {}, const http::WebConfig& web = {},
              http::RejectionCounter count_rejection = {});
  ~LocalServer();  // stop()
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;

  // Stops the server and its loops; once is enough, later calls do nothing.
  void stop();
  // The server's log (debug and up); stops the server first, so that nothing writes to it meanwhile.
  std::string stopped_log();

  unsigned short port() const { return port_; }
  std::size_t open_connections() const { return server_.open_connections(); }
  // True once open_connections() == n, polling for at most timeout.
  bool wait_for_connections(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds{3}) const;

 private:
  std::ostringstream log_;
  Logger logger_{LogLevel::debug, LogFormat::logfmt, log_};
  IoPool loops_{2};
  http::Server server_;
  unsigned short port_ = 0;
  std::thread runner_;
};

}  // namespace spe::test
