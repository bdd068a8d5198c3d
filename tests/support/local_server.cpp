#include "support/local_server.hpp"

#include <stdexcept>
#include <string>
#include <utility>

#include "support/eventually.hpp"

namespace spe::test {

LocalServer::LocalServer(http::Handler handler, http::ServerLimits limits, const http::WebConfig& web,
                         http::RejectionCounter count_rejection)
    : server_(loops_, std::move(handler), logger_, limits) {
  if (const auto used = server_.use_web_config(web); !used) {
    throw std::runtime_error("web config refused: " + used.error().message);
  }
  server_.count_rejections(std::move(count_rejection));
  const auto bound = server_.listen({http::ListenAddress{"127.0.0.1", 0}});
  if (!bound) throw std::runtime_error("cannot listen on 127.0.0.1: " + bound.error().message);
  port_ = static_cast<unsigned short>(std::stoi(bound->front().substr(bound->front().rfind(':') + 1)));
  runner_ = std::thread([this] { loops_.run(); });
}

LocalServer::~LocalServer() { stop(); }

void LocalServer::stop() {
  if (!runner_.joinable()) return;
  server_.stop();
  loops_.stop();
  runner_.join();
}

std::string LocalServer::stopped_log() {
  stop();
  return log_.str();
}

bool LocalServer::wait_for_connections(std::size_t n, std::chrono::milliseconds timeout) const {
  return eventually([&] { return open_connections() == n; }, timeout, std::chrono::milliseconds{10});
}

}  // namespace spe::test
