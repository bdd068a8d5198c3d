#include "http/session.hpp"

#include <algorithm>
#include <atomic>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "http/beast_message.hpp"
#include "http/client_peek.hpp"
#include "http/compression.hpp"
#include "http/endpoint_text.hpp"
#include "http/lingering_close.hpp"
#include "util/cancel_signal.hpp"

namespace spe::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// How long a TLS session waits for the client's close_notify after sending its own.
constexpr std::chrono::milliseconds kTlsShutdownTimeout{1000};
// What a TLS session reads at most at a time while it watches for its client's departure.
constexpr std::size_t kWatchChunk = 4096;

bool is_http_error(const error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
}

// One connection: (TLS handshake,) read a request, check credentials, hand it to the handler,
// write its response, repeat while keep-alive lasts. Held alive by the handler it has pending
// (Beast's http_server_async shape); plain and TLS sessions differ only in their stream.
template <bool kTls>
class Session : public std::enable_shared_from_this<Session<kTls>>, public IdleConnections::Connection {
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

 public:
  // Takes ownership of the socket; the listener has already counted it in state->connections,
  // and in state->sources for `source`, its client's address.
  Session(tcp::socket socket, asio::ip::address source, std::shared_ptr<ServerState> state)
      : stream_(make_stream(std::move(socket), *state)), source_(std::move(source)), state_(std::move(state)) {}

  ~Session() {
    state_->idle.leave(idle_entry_);
    release_slot();
  }

  // Called by the listener when it gives this connection's slot to a new one.
  void evict() override {
    release_slot();
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->lowest().close(); });
  }

  void start() {
    enter_idle();  // idle from its accept on, so that connections that send nothing go in that order
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->do_handshake();
      } else {
        self->do_read();
      }
    });
  }

 private:
  static Stream make_stream(tcp::socket socket, ServerState& state) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *state.tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // The connection no longer counts against max_connections: its socket is closed (or about to be).
  void release_slot() {
    if (!counted_.exchange(false)) return;
    state_->connections.fetch_sub(1);
    state_->sources.remove(source_);
  }

  // Waiting for the client (its handshake, its next request) or for the close: evictable.
  void enter_idle() { state_->idle.enter(idle_entry_, this->weak_from_this()); }
  const ServerLimits& limits() const { return state_->limits; }

  void do_handshake() {
    enter_idle();
    lowest().expires_after(limits().read_timeout);
    stream_.async_handshake(ssl::stream_base::server,
                            [self = this->shared_from_this()](error_code ec) { self->on_handshake(ec); });
  }

  // A failed handshake (no client certificate, wrong CA, plain HTTP on a TLS port, timeout) ends the
  // session: there is no channel left to answer on.
  void on_handshake(error_code ec) {
    if (ec) return log_failure("TLS handshake failed", ec);
    do_read();
  }

  void do_read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits().header_bytes));
    parser_->body_limit(limits().body_bytes);
    enter_idle();
    lowest().expires_after(limits().read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    // Evicted while the request came: the slot is another connection's now, the close is on its way.
    if (!state_->idle.leave(idle_entry_)) return;
    if (ec == bhttp::error::end_of_stream) return do_close();
    if (ec == bhttp::error::header_limit) {
      return request_line_fits()
                 ? send_error(bhttp::status::request_header_fields_too_large, "request header too large\n")
                 : send_error(bhttp::status::uri_too_long, "request line too long\n");
    }
    if (ec == bhttp::error::body_limit)
      return send_error(bhttp::status::payload_too_large, "request body too large\n");
    if (is_http_error(ec)) return send_error(bhttp::status::bad_request, "malformed request\n");
    // Timeout (the stream closed itself), reset, TLS failure: nobody to answer.
    if (ec) return log_failure("reading a request failed", ec);
    const auto& message = parser_->get();
    keep_alive_ = message.keep_alive() && ++served_ < limits().keep_alive_requests;
    version_ = message.version();
    Request request = to_request(message);
    gzip_ok_ = accepts_gzip(request.header("accept-encoding"));
    responded_ = false;
    authorize(std::move(request));
  }

  // Whether the request line ended within the header limit, so the header fields made it too large.
  // Beast parses the request line on its own before the fields: the target is set once it has.
  bool request_line_fits() const { return !parser_->get().target().empty(); }

  void authorize(Request request) {
    if (!state_->auth) return call_handler(std::move(request));
    const auto header = request.header("authorization");
    if (!header) return send_unauthorized();
    if (const auto verdict = state_->auth->known_verdict(*header)) {
      return *verdict ? call_handler(std::move(request)) : send_unauthorized();
    }
    // A request sent and abandoned at once (its client's EOF is already here) is not worth a
    // check, nor a place in the queue. A TLS client's close is a record that only decrypting tells
    // from data: the watch below notices it.
    if constexpr (!kTls) {
      if (peek_client(lowest().socket()) == ClientPeek::gone) return client_gone();
    }
    std::string authorization(*header);
    // The check may wait for others; the client is watched meanwhile, with no read deadline, and
    // its departure drops the check (cancel_) if it has not run yet.
    lowest().expires_never();
    cancel_ = std::make_shared<CancelSignal>();
    const bool queued = state_->password_checks->submit(
        std::move(authorization), cancel_,
        [self = this->shared_from_this(), request = std::move(request)](bool verified) mutable {
          auto executor = self->stream_.get_executor();
          asio::post(executor, [self = std::move(self), request = std::move(request), verified]() mutable {
            self->on_verdict(std::move(request), verified);
          });
        });
    if (!queued) return send_password_checks_full();
    watch_client();
  }

  void on_verdict(Request request, bool verified) {
    if (client_gone_) return;
    if (!verified) return send_unauthorized();
    call_handler(std::move(request));
  }

  void call_handler(Request request) {
    // The probe has a deadline of its own; the connection waits for it.
    lowest().expires_never();
    cancel_ = std::make_shared<CancelSignal>();
    request.cancel = cancel_;
    state_->handler(std::move(request), [self = this->shared_from_this()](Response response) {
      asio::dispatch(self->stream_.get_executor(),
                     [self, response = std::move(response)]() mutable { self->send(std::move(response)); });
    });
    // Still waiting (a probe): notice a client that goes away meanwhile, unless the watch kept
    // during the password check still runs.
    if (!responded_ && !watching_) watch_client();
  }

  // Watches the client while the handler works. EOF or a reset means the client is gone
  // (Prometheus gave up at its scrape timeout, say): the socket is closed at once, freeing its
  // descriptor, the handler's work is cancelled (a probe stops and frees its connection to the
  // target) and the response is dropped when it comes. Bytes of a pipelined request end the watch.
  void watch_client() {
    watching_ = true;
    const unsigned watch = ++watches_;
    if constexpr (kTls) {
      // A TLS client's close_notify is a record like any other: only decrypting tells it from a
      // pipelined request, whose bytes stay in buffer_ for the next read.
      stream_.async_read_some(buffer_.prepare(kWatchChunk),
                              [self = this->shared_from_this(), watch](error_code ec, std::size_t n) {
                                self->buffer_.commit(n);
                                self->on_client_read(ec, watch);
                              });
    } else {
      lowest().socket().async_wait(tcp::socket::wait_read, [self = this->shared_from_this(), watch](error_code ec) {
        self->on_client_readable(ec, watch);
      });
    }
  }

  // Whether a watch's completion still matters: the response may have come first and cancelled
  // the watch (and a later request may have a watch of its own).
  bool current_watch(error_code ec, unsigned watch) {
    if (!watching_ || watch != watches_ || ec == asio::error::operation_aborted) return false;
    watching_ = false;
    return true;
  }

  void on_client_readable(error_code ec, unsigned watch) {
    if (!current_watch(ec, watch)) return;
    if (!ec) {
      const ClientPeek peek = peek_client(lowest().socket());
      if (peek == ClientPeek::bytes) return;
      if (peek == ClientPeek::nothing) return watch_client();
    }
    client_gone();
  }

  // close_notify reads as eof, a TCP close without it as stream_truncated.
  void on_client_read(error_code ec, unsigned watch) {
    if (!current_watch(ec, watch) || !ec) return;
    client_gone();
  }

  void client_gone() {
    client_gone_ = true;
    lowest().close();
    release_slot();
    if (cancel_) cancel_->cancel();
  }

  void send_unauthorized() {
    Response response = text_response(401, "unauthorized\n");
    response.headers.emplace_back("WWW-Authenticate", "Basic realm=\"" + std::string(kBasicAuthRealm) + "\"");
    send(std::move(response));
  }

  // Every password check slot is taken (a flood of wrong passwords, most likely): this request is
  // refused at once rather than queued behind minutes of bcrypt.
  void send_password_checks_full() {
    if (state_->count_rejection) state_->count_rejection(metrics::RejectReason::auth_overload);
    keep_alive_ = false;
    Response response = text_response(503, "too many password checks waiting\n");
    response.headers.emplace_back("Retry-After", "1");
    send(std::move(response));
  }

  void send_error(bhttp::status status, std::string body) {
    keep_alive_ = false;
    send(text_response(static_cast<int>(status), std::move(body)));
  }

  // Compresses a large body for a client that takes gzip; either way says that the body depends
  // on Accept-Encoding (next to what the handler's own Vary says, e.g. Accept).
  void encode_body(Response& response, std::string& vary) const {
    if (response.body.size() < limits().gzip_min_bytes) return;
    vary += vary.empty() ? "Accept-Encoding" : ", Accept-Encoding";
    if (!gzip_ok_) return;
    auto compressed = gzip_compress(response.body);
    if (!compressed) return;  // zlib failed: the body goes out as it is
    response.body = std::move(*compressed);
    response.headers.emplace_back("Content-Encoding", "gzip");
  }

  void send(Response response) {
    responded_ = true;
    cancel_.reset();
    if (client_gone_) return;
    if (watching_) {
      watching_ = false;
      error_code ignored;
      lowest().socket().cancel(ignored);
    }
    std::string vary;
    std::erase_if(response.headers, [&vary](const auto& header) {
      if (!beast::iequals(header.first, "vary")) return false;
      vary = header.second;
      return true;
    });
    encode_body(response, vary);
    if (!vary.empty()) response.headers.emplace_back("Vary", std::move(vary));
    auto message = std::make_shared<BeastResponse>(to_beast_response(std::move(response), version_, keep_alive_));
    lowest().expires_after(limits().write_timeout);
    bhttp::async_write(stream_, *message,
                       [self = this->shared_from_this(), message](error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(error_code ec) {
    if (ec) return log_failure("writing a response failed", ec);
    if (!keep_alive_) return do_close();
    do_read();
  }

  void do_close() {
    enter_idle();
    if constexpr (kTls) {
      lowest().expires_after(std::min(limits().read_timeout, kTlsShutdownTimeout));
      stream_.async_shutdown([self = this->shared_from_this()](error_code) {});
    } else {
      lingering_close(lowest(), limits().read_timeout, this->shared_from_this());
    }
  }

  // A failure of the transport ends the session; it is logged at debug with the client's address.
  // The error is Beast's or OpenSSL's, never a part of the request.
  void log_failure(std::string_view what, const error_code& ec) const {
    if (!state_->logger.enabled(LogLevel::debug)) return;
    error_code peer_ec;
    const auto peer = beast::get_lowest_layer(stream_).socket().remote_endpoint(peer_ec);
    state_->logger.debug(what, {{"peer", peer_ec ? source_.to_string() : endpoint_text(peer)},
                                {"tls", kTls ? "true" : "false"},
                                {"err", ec.message()}});
  }

  Stream stream_;
  const asio::ip::address source_;
  std::shared_ptr<ServerState> state_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  unsigned version_ = 11;
  unsigned served_ = 0;
  bool keep_alive_ = false;
  bool gzip_ok_ = false;
  bool responded_ = false;
  bool watching_ = false;
  unsigned watches_ = 0;  // which watch is the current one
  bool client_gone_ = false;
  std::atomic<bool> counted_{true};       // in state_->connections; the listener may clear it (evict)
  IdleConnections::Entry idle_entry_;     // under state_->idle's lock
  std::shared_ptr<CancelSignal> cancel_;  // of the request being handled
};

}  // namespace

void start_session(tcp::socket socket, asio::ip::address source, std::shared_ptr<ServerState> state) {
  if (state->tls) {
    std::make_shared<Session<true>>(std::move(socket), std::move(source), std::move(state))->start();
  } else {
    std::make_shared<Session<false>>(std::move(socket), std::move(source), std::move(state))->start();
  }
}

}  // namespace spe::http
