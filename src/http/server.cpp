#include "http/server.hpp"

#include <optional>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>

namespace spe::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Request to_request(const bhttp::request<bhttp::string_body>& in) {
  Request out;
  out.method = std::string(in.method_string());
  const std::string_view target = in.target();
  const auto question = target.find('?');
  out.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) out.query = std::string(target.substr(question + 1));
  for (const auto& field : in) out.headers[lower(field.name_string())] = std::string(field.value());
  return out;
}

std::string endpoint_string(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address().to_string();
  const auto port = std::to_string(endpoint.port());
  return endpoint.address().is_v6() ? "[" + address + "]:" + port : address + ":" + port;
}

// One connection: read a request, hand it to the handler, write its response, repeat while
// keep-alive lasts. Held alive by the handler it has pending (Beast's http_server_async shape).
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Handler handler, ServerLimits limits)
      : stream_(std::move(socket)), handler_(std::move(handler)), limits_(limits) {}

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits_.header_bytes));
    parser_->body_limit(limits_.body_bytes);
    stream_.expires_after(limits_.read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    if (ec == bhttp::error::end_of_stream) return do_close();
    if (ec == bhttp::error::header_limit || ec == bhttp::error::body_limit) {
      return send_error(bhttp::status::payload_too_large, "request too large\n");
    }
    if (ec == beast::error::timeout) return;  // the stream closed itself
    if (ec) return send_error(bhttp::status::bad_request, "malformed request\n");
    const auto& request = parser_->get();
    keep_alive_ = request.keep_alive() && ++served_ < limits_.keep_alive_requests;
    version_ = request.version();
    // The probe has a deadline of its own; the connection waits for it.
    stream_.expires_never();
    handler_(to_request(request), [self = shared_from_this()](Response response) {
      asio::dispatch(self->stream_.get_executor(),
                     [self, response = std::move(response)]() mutable { self->send(std::move(response)); });
    });
  }

  void send_error(bhttp::status status, std::string body) {
    keep_alive_ = false;
    send(text_response(static_cast<int>(status), std::move(body)));
  }

  void send(Response response) {
    auto message = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(response.status), version_);
    message->set(bhttp::field::server, "ssh_probe_exporter");
    message->set(bhttp::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) message->set(name, value);
    message->body() = std::move(response.body);
    message->keep_alive(keep_alive_);
    message->prepare_payload();
    stream_.expires_after(limits_.write_timeout);
    bhttp::async_write(stream_, *message,
                       [self = shared_from_this(), message](error_code ec, std::size_t) {
                         self->on_write(ec);
                       });
  }

  void on_write(error_code ec) {
    if (ec) return;
    if (!keep_alive_) return do_close();
    do_read();
  }

  void do_close() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Handler handler_;
  ServerLimits limits_;
  unsigned version_ = 11;
  unsigned served_ = 0;
  bool keep_alive_ = false;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& io, Handler handler, ServerLimits limits)
      : io_(io), acceptor_(asio::make_strand(io)), handler_(std::move(handler)), limits_(limits) {}

  Result<std::string> open(const tcp::endpoint& endpoint, bool dual_stack) {
    error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec && dual_stack) acceptor_.set_option(asio::ip::v6_only(false), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return fail(ErrorCode::unavailable, "cannot listen on " + endpoint_string(endpoint) + ": " + ec.message());
    }
    return endpoint_string(acceptor_.local_endpoint());
  }

  void start() { do_accept(); }

  void stop() {
    asio::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
      error_code ignored;
      self->acceptor_.close(ignored);
    });
  }

 private:
  void do_accept() {
    acceptor_.async_accept(asio::make_strand(io_), [self = shared_from_this()](error_code ec, tcp::socket socket) {
      self->on_accept(ec, std::move(socket));
    });
  }

  void on_accept(error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) std::make_shared<Session>(std::move(socket), handler_, limits_)->start();
    // Out of descriptors (EMFILE) and the like: keep accepting, the next attempt may succeed.
    do_accept();
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  Handler handler_;
  ServerLimits limits_;
};

}  // namespace

struct Server::Impl {
  asio::io_context& io;
  Handler handler;
  ServerLimits limits;
  std::vector<std::shared_ptr<Listener>> listeners;
};

Server::Server(asio::io_context& io, Handler handler, ServerLimits limits)
    : impl_(std::make_unique<Impl>(Impl{io, std::move(handler), limits, {}})) {}

Server::~Server() { stop(); }

Result<std::vector<std::string>> Server::listen(const std::vector<ListenAddress>& addresses) {
  std::vector<std::string> bound;
  for (const auto& address : addresses) {
    auto listener = std::make_shared<Listener>(impl_->io, impl_->handler, impl_->limits);
    Result<std::string> opened;
    if (address.host.empty()) {
      // Every interface: one dual-stack IPv6 socket, or IPv4 where IPv6 is unavailable.
      opened = listener->open(tcp::endpoint(tcp::v6(), address.port), true);
      if (!opened) {
        listener = std::make_shared<Listener>(impl_->io, impl_->handler, impl_->limits);
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

}  // namespace spe::http
