#include "http/server.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <map>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "http/basic_auth.hpp"
#include "http/compression.hpp"
#include "http/idle_connections.hpp"
#include "http/password_checks.hpp"
#include "util/file.hpp"

namespace spe::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// Closing a socket with unread bytes makes the kernel send RST, which can destroy the response the
// client has not read yet (a 413 for a request it is still sending). So a closing session first
// shuts down its sending side, then reads and discards for a while (Apache's "lingering close").
constexpr std::size_t kDrainChunk = 4096;
constexpr std::size_t kDrainLimit = 64 * 1024;
constexpr std::chrono::milliseconds kDrainTimeout{1000};
// How long a TLS session waits for the client's close_notify after sending its own.
constexpr std::chrono::milliseconds kTlsShutdownTimeout{1000};
// accept() that failed for want of descriptors (EMFILE, ENFILE) or memory fails again at once while
// connections wait in the backlog: retrying at once would spin a core until a descriptor is free.
// The listener waits instead, doubling from the first to the longest wait, until an accept succeeds.
constexpr std::chrono::milliseconds kAcceptRetryFirst{5};
constexpr std::chrono::milliseconds kAcceptRetryLongest{250};
// What a TLS session reads at most at a time while it watches for its client's departure.
constexpr std::size_t kWatchChunk = 4096;

constexpr std::string_view kSessionIdContext = "ssh_probe_exporter";

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

bool is_http_error(const error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
}

// Connections open per client address, for ServerLimits::max_connections_per_source. Thread-safe.
class SourceCounts {
 public:
  explicit SourceCounts(std::size_t cap) : cap_(cap) {}

  // Counts one more connection from `source`; false, and nothing counted, when it has `cap` open.
  bool add(const asio::ip::address& source) {
    if (cap_ == 0) return true;
    const std::lock_guard lock(mutex_);
    std::size_t& open = counts_[source];
    if (open >= cap_) return false;
    ++open;
    return true;
  }

  // One connection from `source` counted by add() has closed.
  void remove(const asio::ip::address& source) {
    if (cap_ == 0) return;
    const std::lock_guard lock(mutex_);
    const auto it = counts_.find(source);
    if (it != counts_.end() && --it->second == 0) counts_.erase(it);
  }

 private:
  const std::size_t cap_;  // 0: no cap
  std::mutex mutex_;
  std::map<asio::ip::address, std::size_t> counts_;  // only sources with connections open
};

// What the listeners and every session share. Lives as long as the last session.
struct Shared {
  Shared(Handler handler, ServerLimits limits)
      : handler(std::move(handler)), limits(limits), sources(limits.max_connections_per_source) {}

  Handler handler;
  ServerLimits limits;
  std::shared_ptr<ssl::context> tls;  // null: plain HTTP
  std::shared_ptr<BasicAuth> auth;    // null: no authentication
  std::shared_ptr<PasswordChecks> password_checks;  // with auth: where bcrypt runs, off the io threads
  RejectionCounter count_rejection;   // may be empty
  std::atomic<std::size_t> connections{0};
  SourceCounts sources;
  IdleConnections idle;
};

// One connection: (TLS handshake,) read a request, check credentials, hand it to the handler,
// write its response, repeat while keep-alive lasts. Held alive by the handler it has pending
// (Beast's http_server_async shape); plain and TLS sessions differ only in their stream.
template <bool kTls>
class Session : public std::enable_shared_from_this<Session<kTls>>, public IdleConnections::Connection {
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

 public:
  // Takes ownership of the socket; the listener has already counted it in shared->connections,
  // and in shared->sources for `source`, its client's address.
  Session(tcp::socket socket, asio::ip::address source, std::shared_ptr<Shared> shared)
      : stream_(make_stream(std::move(socket), *shared)), source_(std::move(source)), shared_(std::move(shared)) {}

  ~Session() {
    shared_->idle.leave(idle_entry_);
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
  static Stream make_stream(tcp::socket socket, Shared& shared) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *shared.tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // The connection no longer counts against max_connections: its socket is closed (or about to be).
  void release_slot() {
    if (!counted_.exchange(false)) return;
    shared_->connections.fetch_sub(1);
    shared_->sources.remove(source_);
  }

  // Waiting for the client (its handshake, its next request) or for the close: evictable.
  void enter_idle() { shared_->idle.enter(idle_entry_, this->weak_from_this()); }
  const ServerLimits& limits() const { return shared_->limits; }

  void do_handshake() {
    enter_idle();
    lowest().expires_after(limits().read_timeout);
    stream_.async_handshake(ssl::stream_base::server,
                            [self = this->shared_from_this()](error_code ec) { self->on_handshake(ec); });
  }

  // A failed handshake (no client certificate, wrong CA, plain HTTP on a TLS port, timeout) ends the
  // session: there is no channel left to answer on.
  void on_handshake(error_code ec) {
    if (ec) return;
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
    if (!shared_->idle.leave(idle_entry_)) return;
    if (ec == bhttp::error::end_of_stream) return do_close();
    if (ec == bhttp::error::header_limit) {
      return request_line_fits() ? send_error(bhttp::status::request_header_fields_too_large, "request header too large\n")
                                 : send_error(bhttp::status::uri_too_long, "request line too long\n");
    }
    if (ec == bhttp::error::body_limit) return send_error(bhttp::status::payload_too_large, "request body too large\n");
    if (is_http_error(ec)) return send_error(bhttp::status::bad_request, "malformed request\n");
    if (ec) return;  // timeout (the stream closed itself), reset, TLS failure: nobody to answer
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
    if (!shared_->auth) return call_handler(std::move(request));
    const auto header = request.header("authorization");
    if (!header) return send_unauthorized();
    if (const auto verdict = shared_->auth->known_verdict(*header)) {
      return *verdict ? call_handler(std::move(request)) : send_unauthorized();
    }
    // A request sent and abandoned at once (its client's EOF is already here) is not worth a
    // check, nor a place in the queue. A TLS client's close is a record that only decrypting tells
    // from data: the watch below notices it.
    if constexpr (!kTls) {
      if (peek_client() == Peek::gone) return client_gone();
    }
    std::string authorization(*header);
    // The check may wait for others; the client is watched meanwhile, with no read deadline, and
    // its departure drops the check (cancel_) if it has not run yet.
    lowest().expires_never();
    cancel_ = std::make_shared<CancelSignal>();
    const bool queued = shared_->password_checks->submit(
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
    shared_->handler(std::move(request), [self = this->shared_from_this()](Response response) {
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
      const Peek peek = peek_client();
      if (peek == Peek::bytes) return;
      if (peek == Peek::nothing) return watch_client();
    }
    client_gone();
  }

  enum class Peek { bytes, nothing, gone };
  // What waits on a plain socket, without reading it: bytes (a pipelined request), nothing yet, or
  // the client's EOF or an error (it has gone).
  Peek peek_client() {
    char byte = 0;
    const ssize_t n = ::recv(lowest().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) return Peek::bytes;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return Peek::nothing;
    return Peek::gone;
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
    if (shared_->count_rejection) shared_->count_rejection(metrics::RejectReason::auth_overload);
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
      if (lower(header.first) != "vary") return false;
      vary = header.second;
      return true;
    });
    encode_body(response, vary);
    auto message = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(response.status), version_);
    message->set(bhttp::field::server, "ssh_probe_exporter");
    // Error bodies echo the request (a target, a header value): no browser may sniff them as HTML.
    message->set("X-Content-Type-Options", "nosniff");
    message->set(bhttp::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) message->set(name, value);
    if (!vary.empty()) message->set(bhttp::field::vary, vary);
    message->body() = std::move(response.body);
    message->keep_alive(keep_alive_);
    message->prepare_payload();
    lowest().expires_after(limits().write_timeout);
    bhttp::async_write(stream_, *message, [self = this->shared_from_this(), message](error_code ec, std::size_t) {
      self->on_write(ec);
    });
  }

  void on_write(error_code ec) {
    if (ec) return;
    if (!keep_alive_) return do_close();
    do_read();
  }

  void do_close() {
    enter_idle();
    if constexpr (kTls) {
      lowest().expires_after(std::min(limits().read_timeout, kTlsShutdownTimeout));
      stream_.async_shutdown([self = this->shared_from_this()](error_code) {});
    } else {
      error_code ignored;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
      lowest().expires_after(std::min(limits().read_timeout, kDrainTimeout));
      do_drain();
    }
  }

  void do_drain() {
    lowest().async_read_some(buffer_.prepare(kDrainChunk), [self = this->shared_from_this()](error_code ec,
                                                                                             std::size_t n) {
      self->on_drain(ec, n);
    });
  }

  // EOF, an error, the timeout or enough bytes end the session, which closes the socket.
  void on_drain(error_code ec, std::size_t n) {
    drained_ += n;
    if (ec || drained_ >= kDrainLimit) return;
    do_drain();
  }

  Stream stream_;
  const asio::ip::address source_;
  std::shared_ptr<Shared> shared_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  unsigned version_ = 11;
  unsigned served_ = 0;
  std::size_t drained_ = 0;
  bool keep_alive_ = false;
  bool gzip_ok_ = false;
  bool responded_ = false;
  bool watching_ = false;
  unsigned watches_ = 0;  // which watch is the current one
  bool client_gone_ = false;
  std::atomic<bool> counted_{true};  // in shared_->connections; the listener may clear it (evict)
  IdleConnections::Entry idle_entry_;  // under shared_->idle's lock
  std::shared_ptr<CancelSignal> cancel_;  // of the request being handled
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(IoPool& loops, std::shared_ptr<Shared> shared)
      : loops_(loops),
        acceptor_(asio::make_strand(loops.main())),
        retry_timer_(acceptor_.get_executor()),
        shared_(std::move(shared)) {}

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
      self->retry_timer_.cancel();
    });
  }

 private:
  void do_accept() {
    // Each connection lives on the next loop in turn, and its probes with it.
    acceptor_.async_accept(asio::make_strand(loops_.next()), [self = shared_from_this()](error_code ec, tcp::socket socket) {
      self->on_accept(ec, std::move(socket));
    });
  }

  void on_accept(error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) return retry_accept();
    retry_wait_ = std::chrono::milliseconds::zero();
    start_session(std::move(socket));
    do_accept();
  }

  // Out of descriptors (EMFILE) and the like: accept again after a wait, when a probe that ended
  // may have freed some. Clients wait in the backlog meanwhile.
  void retry_accept() {
    retry_wait_ = retry_wait_ == std::chrono::milliseconds::zero() ? kAcceptRetryFirst
                                                                    : std::min(retry_wait_ * 2, kAcceptRetryLongest);
    retry_timer_.expires_after(retry_wait_);
    retry_timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (ec || !self->acceptor_.is_open()) return;
      self->do_accept();
    });
  }

  // A slot for a new connection: a free one, or else the one of the connection idle longest,
  // which is closed. False when every connection is busy with a request.
  bool take_slot() {
    if (shared_->connections.fetch_add(1) < shared_->limits.max_connections) return true;
    if (const auto oldest = shared_->idle.take_oldest()) {
      oldest->evict();  // gives its slot back
      return true;
    }
    shared_->connections.fetch_sub(1);
    return false;
  }

  // Over a cap (the client's own, or everyone's with no connection idle) the socket is closed
  // before a byte is read; so is one whose client has already gone.
  void start_session(tcp::socket socket) {
    error_code ec;
    const auto source = socket.remote_endpoint(ec).address();
    if (ec || !shared_->sources.add(source)) return;
    if (!take_slot()) {
      shared_->sources.remove(source);
      return;
    }
    try {
      if (shared_->tls) {
        std::make_shared<Session<true>>(std::move(socket), source, shared_)->start();
      } else {
        std::make_shared<Session<false>>(std::move(socket), source, shared_)->start();
      }
    } catch (const std::exception&) {
      // OpenSSL could not make a session (out of memory): the socket closes with this frame.
      shared_->connections.fetch_sub(1);
      shared_->sources.remove(source);
    }
  }

  IoPool& loops_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;  // on the acceptor's strand
  std::chrono::milliseconds retry_wait_{0};
  std::shared_ptr<Shared> shared_;
};

// The content of a file the web config names, read as the loader checked it: bounded, and only a
// regular file (OpenSSL's *_file calls would open a FIFO put there since and wait on it).
Result<std::string> read_tls_file(const std::string& path, std::string_view key, const SourcePos& at) {
  auto content = read_file_bounded(path, kMaxTlsFileSize);
  if (!content) {
    return fail(content.error().code(),
                std::string(key) + ": cannot read \"" + path + "\": " + content.error().describe(), at);
  }
  return std::move(content->text);
}

// Names every certificate of a PEM bundle as an acceptable client CA; false when it holds none.
bool add_client_ca_names(SSL_CTX* context, const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  int added = 0;
  while (X509* cert = bio != nullptr ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : nullptr) {
    added += SSL_CTX_add_client_CA(context, cert);
    X509_free(cert);
  }
  BIO_free(bio);
  ERR_clear_error();  // the read that ended the loop left "no start line"
  return added > 0;
}

// The server's TLS context from the web config: certificate chain, key, and (with a client CA)
// required and verified client certificates. TLS 1.2 and later, as OpenMetrics asks of exposers.
Result<std::shared_ptr<ssl::context>> make_tls_context(const TlsConfig& tls) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                           ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                       ec);
  // An encrypted key must fail here, not make OpenSSL prompt for a passphrase on the terminal.
  context->set_password_callback([](std::size_t, ssl::context::password_purpose) { return std::string(); }, ec);
  const auto chain = read_tls_file(tls.cert_file, "tls.cert_file", tls.cert_file_at);
  if (!chain) return std::unexpected(chain.error());
  context->use_certificate_chain(asio::buffer(*chain), ec);
  if (ec) {
    return fail(ErrorCode::invalid_argument,
                "tls.cert_file: cannot load certificate chain \"" + tls.cert_file + "\": " + ec.message(),
                tls.cert_file_at);
  }
  auto key = read_tls_file(tls.key_file, "tls.key_file", tls.key_file_at);
  if (!key) return std::unexpected(key.error());
  context->use_private_key(asio::buffer(*key), ssl::context::pem, ec);
  OPENSSL_cleanse(key->data(), key->size());  // OpenSSL holds its own copy now
  if (ec || SSL_CTX_check_private_key(context->native_handle()) != 1) {
    const std::string why = ec ? ec.message() : "it does not match the certificate";
    return fail(ErrorCode::invalid_argument, "tls.key_file: cannot use private key \"" + tls.key_file + "\": " + why,
                tls.key_file_at);
  }
  if (tls.client_ca_file.empty()) return context;
  const auto ca = read_tls_file(tls.client_ca_file, "tls.client_ca_file", tls.client_ca_file_at);
  if (!ca) return std::unexpected(ca.error());
  context->add_certificate_authority(asio::buffer(*ca), ec);
  // Tells clients which CAs we accept (curl sends its certificate regardless; browsers choose by it).
  if (ec || !add_client_ca_names(context->native_handle(), *ca)) {
    const std::string why = ec ? ec.message() : "no certificate in it";
    return fail(ErrorCode::invalid_argument,
                "tls.client_ca_file: cannot load CA certificates \"" + tls.client_ca_file + "\": " + why,
                tls.client_ca_file_at);
  }
  context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
  // Required by OpenSSL to resume sessions of verified clients.
  SSL_CTX_set_session_id_context(context->native_handle(),
                                 reinterpret_cast<const unsigned char*>(kSessionIdContext.data()),
                                 static_cast<unsigned>(kSessionIdContext.size()));
  return context;
}

}  // namespace

struct Server::Impl {
  Impl(IoPool& loops, Handler handler, ServerLimits limits)
      : loops(loops), shared(std::make_shared<Shared>(std::move(handler), limits)) {}

  IoPool& loops;
  std::shared_ptr<Shared> shared;
  std::vector<std::shared_ptr<Listener>> listeners;
};

Server::Server(IoPool& loops, Handler handler, ServerLimits limits)
    : impl_(std::make_unique<Impl>(loops, std::move(handler), limits)) {}

Server::~Server() {
  stop();
  // Queued checks own their sessions, which own `shared`: stopping breaks the cycle.
  if (impl_->shared->password_checks) impl_->shared->password_checks->stop();
}

Result<void> Server::use_web_config(const WebConfig& config) {
  if (config.tls) {
    auto context = make_tls_context(*config.tls);
    if (!context) return std::unexpected(context.error());
    impl_->shared->tls = std::move(*context);
  } else {
    impl_->shared->tls.reset();
  }
  if (config.basic_auth_users.empty()) {
    impl_->shared->auth.reset();
    impl_->shared->password_checks.reset();
  } else {
    impl_->shared->auth = std::make_shared<BasicAuth>(config.basic_auth_users);
    impl_->shared->password_checks =
        std::make_shared<PasswordChecks>(impl_->shared->auth, impl_->shared->limits.password_checks);
  }
  return {};
}

Result<std::vector<std::string>> Server::listen(const std::vector<ListenAddress>& addresses) {
  std::vector<std::string> bound;
  for (const auto& address : addresses) {
    auto listener = std::make_shared<Listener>(impl_->loops, impl_->shared);
    Result<std::string> opened;
    if (address.host.empty()) {
      // Every interface: one dual-stack IPv6 socket, or IPv4 where IPv6 is unavailable.
      opened = listener->open(tcp::endpoint(tcp::v6(), address.port), true);
      if (!opened) {
        listener = std::make_shared<Listener>(impl_->loops, impl_->shared);
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

void Server::count_rejections(RejectionCounter counter) { impl_->shared->count_rejection = std::move(counter); }

std::size_t Server::open_connections() const { return impl_->shared->connections.load(); }

}  // namespace spe::http
