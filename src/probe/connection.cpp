#include "probe/connection.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "probe/descriptors.hpp"
#include "config/known_hosts.hpp"

namespace spe {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Connection::Connection(asio::any_io_executor executor, std::string host)
    : host_(std::move(host)), socket_(std::move(executor)) {}

void Connection::set_addresses(std::vector<asio::ip::address> addresses) {
  addresses_ = std::move(addresses);
  next_address_ = 0;
}

std::optional<Error> Connection::connect_failed(const boost::system::error_code& ec) {
  boost::system::error_code ignored;
  socket_.close(ignored);
  // No socket could be made: the exporter's own limit, not the target's fault.
  if (out_of_descriptors(ec.value())) {
    return Error{ErrorCode::internal, "connect to " + endpoint_string() + ": " + descriptor_shortage(ec.value()),
                 std::nullopt};
  }
  connect_errors_ += (connect_errors_.empty() ? "" : "; ") + endpoint_string() + ": " + ec.message();
  if (++next_address_ < addresses_.size()) return std::nullopt;
  return Error{ErrorCode::unavailable, "connect to " + connect_errors_, std::nullopt};
}

Result<void> Connection::adopt(int fd, unsigned short port, std::string via) {
  port_ = port;
  via_ = std::move(via);
  boost::system::error_code ec;
  socket_.assign(asio::generic::stream_protocol(AF_UNIX, 0), fd, ec);
  if (ec) {
    ::close(fd);
    return fail(ErrorCode::internal, "cannot watch the relayed stream: " + ec.message());
  }
  return {};
}

int Connection::ip_version() const {
  if (!via_.empty()) return 0;
  return endpoint_.address().is_v6() ? 6 : 4;
}

std::string Connection::endpoint_string() const {
  if (!via_.empty()) {
    const bool v6 = host_.find(':') != std::string::npos;
    return (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_) + " via " + via_;
  }
  const auto address = endpoint_.address().to_string();
  const auto port = std::to_string(endpoint_.port());
  return endpoint_.address().is_v6() ? "[" + address + "]:" + port : address + ":" + port;
}

std::string Connection::known_hosts_name() const { return spe::known_hosts_name(host_, port_); }

Result<void> Connection::open_session(const std::string& user, const HostKeyPolicy& policy,
                                      const AlgorithmChoice& algorithms) {
  // SSH packets are small and each waits for an answer: Nagle would hold the second of two writes
  // until the server's delayed ACK (docs/libssh.md, "Latency").
  if (via_.empty()) {
    boost::system::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
  }
  // libssh may close the fd it is given (docs/libssh.md, "The socket"): it gets a dup, and the
  // Asio socket keeps the original for waiting, so neither side closes the other's descriptor.
  const int fd = ::dup(socket_.native_handle());
  if (fd < 0) {
    const int err = errno;
    const std::string why = out_of_descriptors(err) ? descriptor_shortage(err) : std::strerror(err);
    return fail(ErrorCode::internal, "dup of the socket for libssh: " + why);
  }
  // The module's host_key_algorithms (or libssh's defaults) with those known_hosts holds a key
  // for, or a pinned fingerprint names, first, as libssh orders them when it reads known_hosts
  // itself: the server then shows the key the policy knows rather than another type.
  std::vector<std::string> known_types;
  if (!policy.insecure_ignore && policy.known_hosts_entries) {
    known_types = policy.known_hosts_entries->key_types(known_hosts_name());
  }
  for (const auto& type : policy.fingerprint_types) {
    if (!type.empty() && !policy.insecure_ignore) known_types.push_back(type);
  }
  SessionOptions options{fd, host_, port_, user, host_key_algorithms_for(known_types, policy.algorithms)};
  options.kex_algorithms = algorithms.kex;
  options.ciphers = algorithms.ciphers;
  options.macs = algorithms.macs;
  options.pubkey_algorithms = algorithms.pubkeys;
  auto session = SshSession::create(options);
  if (!session) return std::unexpected(session.error());
  session_.emplace(std::move(*session));
  return {};
}

Result<Connection::HostKeyCheck> Connection::check_host_key(const HostKeyPolicy& policy, ProbeLog& log) const {
  const auto key = session_->server_host_key();
  if (!key) return std::unexpected(key.error());
  KnownHostsMatch known;
  if (!policy.insecure_ignore && policy.known_hosts_entries) {
    known = policy.known_hosts_entries->check(known_hosts_name(), key->blob);
  }
  HostKeyVerdict verdict = decide_host_key(policy, known, key->info.fingerprint_sha256, key->info.type);
  LogFields fields{{"type", key->info.type},
                   {"fingerprint", key->info.fingerprint_sha256},
                   {"known_hosts", std::string(to_string(known.state))},
                   {"detail", verdict.detail}};
  if (known.state != KnownHostsState::not_checked && policy.known_hosts_entries->skipped_count() > 0) {
    fields.emplace_back("known_hosts_skipped", policy.known_hosts_entries->skipped_summary());
  }
  log.add("debug", verdict.accepted ? "host key accepted" : "host key refused", std::move(fields));
  return HostKeyCheck{key->info, std::move(verdict)};
}

SocketWait Connection::next_wait() {
  const int fd = socket_.native_handle();
  if (session_->wants_write()) {
    // libssh flushes what it holds only once it has seen the socket writable again (docs/libssh.md,
    // "Waiting for the socket"): ask poll() rather than go round the reactor for every send.
    bool writable = false;
    if (readiness_.may_skip_write_wait()) {
      pollfd check{fd, POLLOUT, 0};
      writable = ::poll(&check, 1, 0) == 1 && (check.revents & POLLOUT) != 0;
    }
    return readiness_.write_wanted(writable);
  }
  // OpenSSH delays some replies until our ACK; a quick ACK keeps loopback probes off the
  // delayed-ACK timer (docs/libssh.md, "Latency"). The flag is not sticky: set it per wait.
  if (via_.empty()) {
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
  }
  int pending = 0;
  return readiness_.read_wanted(::ioctl(fd, FIONREAD, &pending) == 0 && pending > 0);
}

void Connection::close() {
  session_.reset();
  boost::system::error_code ignored;
  socket_.close(ignored);
}

}  // namespace spe
