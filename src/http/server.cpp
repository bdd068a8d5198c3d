#include "http/server.hpp"

#include <utility>

#include <boost/asio/ip/tcp.hpp>

#include "http/listener.hpp"
#include "http/server_state.hpp"
#include "http/tls_context.hpp"

namespace spe::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

}  // namespace

struct Server::Impl {
  Impl(IoPool& loops, Handler handler, Logger& logger, ServerLimits limits)
      : loops(loops), state(std::make_shared<ServerState>(std::move(handler), logger, limits)) {}

  IoPool& loops;
  std::shared_ptr<ServerState> state;
  std::vector<std::shared_ptr<Listener>> listeners;
};

Server::Server(IoPool& loops, Handler handler, Logger& logger, ServerLimits limits)
    : impl_(std::make_unique<Impl>(loops, std::move(handler), logger, limits)) {}

Server::~Server() {
  stop();
  // Queued checks own their sessions, which own `state`: stopping breaks the cycle.
  if (impl_->state->password_checks) impl_->state->password_checks->stop();
}

Result<void> Server::use_web_config(const WebConfig& config) {
  if (config.tls) {
    auto context = make_tls_context(*config.tls);
    if (!context) return std::unexpected(context.error());
    impl_->state->tls = std::move(*context);
  } else {
    impl_->state->tls.reset();
  }
  if (config.basic_auth_users.empty()) {
    impl_->state->auth.reset();
    impl_->state->password_checks.reset();
  } else {
    impl_->state->auth = std::make_shared<BasicAuth>(config.basic_auth_users);
    impl_->state->password_checks = std::make_shared<PasswordChecks>(impl_->state->auth,
                                                                     impl_->state->limits.password_checks);
  }
  return {};
}

Result<std::vector<std::string>> Server::listen(const std::vector<ListenAddress>& addresses) {
  std::vector<std::string> bound;
  for (const auto& address : addresses) {
    auto listener = std::make_shared<Listener>(impl_->loops, impl_->state);
    Result<std::string> opened;
    if (address.host.empty()) {
      // Every interface: one dual-stack IPv6 socket, or IPv4 where IPv6 is unavailable.
      opened = listener->open(tcp::endpoint(tcp::v6(), address.port), true);
      if (!opened) {
        listener = std::make_shared<Listener>(impl_->loops, impl_->state);
        opened = listener->open(tcp::endpoint(tcp::v4(), address.port), false);
      }
    } else {
      error_code ec;
      const auto ip = asio::ip::make_address(address.host == "localhost" ? "127.0.0.1" : address.host, ec);
      if (ec) return fail(ErrorCode::invalid_argument, "listen address \"" + address.host + "\" is not an IP address");
      opened = listener->open(tcp::endpoint(ip, address.port), false);
    }
    if (!opened) return std::unexpected(opened.error());
    bound.push_back(*opened);
    impl_->listeners.push_back(listener);
  }
  for (auto& listener : impl_->listeners) listener->start();
  return bound;
}

void Server::stop() {
  for (auto& listener : impl_->listeners) listener->stop();
  impl_->listeners.clear();
}

void Server::count_rejections(RejectionCounter counter) { impl_->state->count_rejection = std::move(counter); }

std::size_t Server::open_connections() const { return impl_->state->connections.load(); }

}  // namespace spe::http
