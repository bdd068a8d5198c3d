#include "support/adversarial.hpp"

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.hpp"

namespace spe::test {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr std::string_view kDripBanner = "SSH-2.0-OpenSSH_9.2\r\n";
constexpr std::string_view kBanner = "SSH-2.0-OpenSSH_9.2p1 Debian\r\n";
// What an HTTP server says to an SSH client. RFC 4253 lets a server send lines before its version string and
// libssh skips them, but no line may exceed 255 bytes: the body's long line makes a strict client give up at
// once, where short lines alone would leave it waiting for a version string until its deadline.
const std::string kGarbage =
    "HTTP/1.1 400 Bad Request\r\n"
    "Content-Type: text/html\r\n"
    "Connection: keep-alive\r\n"
    "\r\n"
    "<html><head><title>400 Bad Request</title></head><body><p>" +
    std::string(300, '-') + "</p></body></html>\r\n";

std::vector<unsigned char> random_bytes(std::size_t size) {
  std::mt19937_64 engine{std::random_device{}()};
  std::vector<unsigned char> bytes(size);
  for (auto& byte : bytes) byte = static_cast<unsigned char>(engine());
  return bytes;
}

void put_uint32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((value >> shift) & 0xff);
}

// The banner, then an unencrypted binary packet (RFC 4253 section 6) carrying SSH_MSG_KEXINIT (section 7.1)
// with algorithms every current client offers, so the client goes on to send its key exchange init.
std::string banner_and_kexinit() {
  constexpr unsigned char kMsgKexinit = 20;
  const std::vector<std::string_view> name_lists{
      "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256",  // kex
      "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-256",                       // host key
      "chacha20-poly1305@openssh.com,aes128-ctr",                           // ciphers, client to server
      "chacha20-poly1305@openssh.com,aes128-ctr",                           // ciphers, server to client
      "hmac-sha2-256",                                                      // MACs, client to server
      "hmac-sha2-256",                                                      // MACs, server to client
      "none",
      "none",  // compression
      "",
      "",  // languages
  };
  std::string payload(1, static_cast<char>(kMsgKexinit));
  for (const unsigned char byte : random_bytes(16)) payload += static_cast<char>(byte);  // cookie
  for (const auto list : name_lists) {
    put_uint32(payload, static_cast<std::uint32_t>(list.size()));
    payload += list;
  }
  payload += '\0';         // first_kex_packet_follows: false
  put_uint32(payload, 0);  // reserved
  // packet_length, padding_length, payload, padding: the whole a multiple of 8, with 4 to 11 bytes of padding.
  std::size_t padding = 8 - (5 + payload.size()) % 8;
  if (padding < 4) padding += 8;
  std::string packet(kBanner);
  put_uint32(packet, static_cast<std::uint32_t>(1 + payload.size() + padding));
  packet += static_cast<char>(padding);
  packet += payload;
  packet += std::string(padding, '\0');
  return packet;
}

}  // namespace

std::string_view to_string(Misbehaviour misbehaviour) {
  switch (misbehaviour) {
    case Misbehaviour::silent: return "silent";
    case Misbehaviour::drip_banner: return "drip_banner";
    case Misbehaviour::garbage: return "garbage";
    case Misbehaviour::banner_then_silent: return "banner_then_silent";
    case Misbehaviour::close_at_once: return "close_at_once";
    case Misbehaviour::flood: return "flood";
    case Misbehaviour::stuck_in_kex: return "stuck_in_kex";
    case Misbehaviour::random_comment: return "random_comment";
  }
  return "unknown";
}

namespace {

class Session;

// Everything the io thread touches; owned by AdversarialServer::Impl.
struct ServerState {
  explicit ServerState(Misbehaviour m);
  void start_accept();
  void on_accept(const error_code& ec, tcp::socket socket);
  void forget(std::uint64_t id);

  asio::io_context io;  // declared first: destroyed last, after everything that uses it
  Misbehaviour misbehaviour;
  tcp::acceptor acceptor{io};
  asio::steady_timer accept_retry{io};
  const std::vector<unsigned char> flood_bytes = random_bytes(64 * 1024);
  const std::string kexinit = banner_and_kexinit();  // one cookie for every connection: enough for a stuck peer
  std::map<std::uint64_t, std::weak_ptr<Session>> sessions;  // touched only on the io thread (or after join)
  std::uint64_t next_id = 0;
  std::atomic<unsigned short> port{0};
  std::atomic<std::size_t> accepted{0};
  std::atomic<std::size_t> open{0};
  std::atomic<std::size_t> received{0};
};

// One accepted connection playing the server's misbehaviour. Lives as long as a handler holds it.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ServerState& server, std::uint64_t id)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), server_(server), id_(id) {}

  void start() {
    switch (server_.misbehaviour) {
      case Misbehaviour::silent: return start_discard();
      case Misbehaviour::drip_banner: return drip(0);
      case Misbehaviour::garbage: return write_then_discard(kGarbage);
      case Misbehaviour::banner_then_silent: return write_then_discard(kBanner);
      case Misbehaviour::close_at_once: return close();
      case Misbehaviour::flood: return write_then_flood();
      case Misbehaviour::stuck_in_kex: return write_then_discard(server_.kexinit);
      case Misbehaviour::random_comment: return write_random_comment();
    }
  }

  // Idempotent; also called by the server's destructor after the io thread has stopped.
  void close() {
    if (closed_) return;
    closed_ = true;
    error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
    server_.forget(id_);
  }

 private:
  // Reading what the client sends (and dropping it) is how a closed connection is noticed and its fd freed.
  void start_discard() {
    socket_.async_read_some(asio::buffer(sink_), [self = shared_from_this()](const error_code& ec, std::size_t n) {
      if (ec) return self->close();
      self->server_.received += n;
      self->start_discard();
    });
  }

  void drip(std::size_t index) {
    if (index == 0) start_discard();
    if (closed_ || index == kDripBanner.size()) return;
    asio::async_write(socket_, asio::buffer(kDripBanner.substr(index, 1)),
                      [self = shared_from_this(), index](const error_code& ec, std::size_t) {
                        if (ec) return self->close();
                        self->timer_.expires_after(std::chrono::seconds{1});
                        self->timer_.async_wait([self, index](const error_code& wait_ec) {
                          if (!wait_ec) self->drip(index + 1);
                        });
                      });
  }

  void write_then_discard(std::string_view text) {
    asio::async_write(socket_, asio::buffer(text), [self = shared_from_this()](const error_code& ec, std::size_t) {
      if (ec) return self->close();
      self->start_discard();
    });
  }

  void write_random_comment() {
    banner_ = "SSH-2.0-tinyssh_20230101-1 ";
    for (const unsigned char byte : random_bytes(8)) banner_ += static_cast<char>('a' + byte % 26);
    banner_ += "\r\n";
    asio::async_write(socket_, asio::buffer(banner_),
                      [self = shared_from_this()](const error_code&, std::size_t) { self->close(); });
  }

  void write_then_flood() {
    start_discard();
    asio::async_write(socket_, asio::buffer(kBanner), [self = shared_from_this()](const error_code& ec, std::size_t) {
      if (ec) return self->close();
      self->flood();
    });
  }

  void flood() {
    asio::async_write(socket_, asio::buffer(server_.flood_bytes),
                      [self = shared_from_this()](const error_code& ec, std::size_t) {
                        if (ec) return self->close();
                        self->flood();
                      });
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  ServerState& server_;
  std::uint64_t id_;
  bool closed_ = false;
  std::array<char, 4096> sink_{};
  std::string banner_;  // random_comment's, for its write
};

ServerState::ServerState(Misbehaviour m) : misbehaviour(m) {
  const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), 0);
  acceptor.open(endpoint.protocol());
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  port = acceptor.local_endpoint().port();
}

void ServerState::start_accept() {
  acceptor.async_accept([this](const error_code& ec, tcp::socket socket) { on_accept(ec, std::move(socket)); });
}

void ServerState::on_accept(const error_code& ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
  if (ec) {
    // Out of file descriptors or a transient error: try again shortly rather than stop accepting.
    accept_retry.expires_after(std::chrono::milliseconds{10});
    accept_retry.async_wait([this](const error_code& wait_ec) {
      if (!wait_ec) start_accept();
    });
    return;
  }
  ++accepted;
  ++open;
  const auto id = next_id++;
  auto session = std::make_shared<Session>(std::move(socket), *this, id);
  sessions.emplace(id, session);
  session->start();
  start_accept();
}

void ServerState::forget(std::uint64_t id) {
  if (sessions.erase(id) > 0) --open;
}

}  // namespace

struct AdversarialServer::Impl {
  explicit Impl(Misbehaviour m) : state(m) {}
  ServerState state;
  std::thread thread;
};

AdversarialServer::AdversarialServer(Misbehaviour misbehaviour) {
  raise_fd_limit();
  impl_ = std::make_unique<Impl>(misbehaviour);
  impl_->state.start_accept();
  impl_->thread = std::thread([state = &impl_->state] { state->io.run(); });
}

AdversarialServer::~AdversarialServer() {
  auto& state = impl_->state;
  state.io.stop();
  impl_->thread.join();
  error_code ignored;
  state.acceptor.close(ignored);
  state.accept_retry.cancel();
  // close() erases from the map: collect first.
  std::vector<std::shared_ptr<Session>> alive;
  for (const auto& [id, weak] : state.sessions) {
    if (auto session = weak.lock()) alive.push_back(std::move(session));
  }
  for (const auto& session : alive) session->close();
}

unsigned short AdversarialServer::port() const { return impl_->state.port; }
std::size_t AdversarialServer::connections() const { return impl_->state.accepted; }
std::size_t AdversarialServer::open_connections() const { return impl_->state.open; }
std::size_t AdversarialServer::bytes_received() const { return impl_->state.received; }

}  // namespace spe::test
