#include "probe/ssh_probe.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "probe/host_key.hpp"
#include "probe/ssh_handle.hpp"

namespace spe {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

enum class AuthMethod { publickey, password, keyboard_interactive };

std::string_view to_string(AuthMethod method) {
  switch (method) {
    case AuthMethod::publickey: return "publickey";
    case AuthMethod::password: return "password";
    case AuthMethod::keyboard_interactive: return "keyboard-interactive";
  }
  return "unknown";
}

// The methods a module's credentials allow, in the order they are tried.
std::vector<AuthMethod> auth_plan(const Auth& auth) {
  std::vector<AuthMethod> plan;
  if (auth.key) plan.push_back(AuthMethod::publickey);
  if (auth.password) {
    plan.push_back(AuthMethod::password);
    plan.push_back(AuthMethod::keyboard_interactive);
  }
  return plan;
}

// Addresses in the order they are tried: the preferred family first, then the other.
std::vector<asio::ip::address> connect_order(Resolver::Addresses addresses, IpProtocol preferred) {
  std::ranges::stable_partition(addresses, [preferred](const asio::ip::address& address) {
    return address.is_v6() == (preferred == IpProtocol::ip6);
  });
  return addresses;
}

class SshProbe : public std::enable_shared_from_this<SshProbe> {
 public:
  SshProbe(asio::any_io_executor executor, Resolver& resolver, ProbeRequest request, ProbeCallback done)
      : strand_(asio::make_strand(executor)),
        resolver_(resolver),
        request_(std::move(request)),
        module_(*request_.module),
        done_(std::move(done)),
        deadline_timer_(strand_),
        socket_(strand_),
        plan_(auth_plan(module_.auth)) {
    report_.module = module_.name;
    report_.target = request_.target_text;
    report_.timeout = request_.timeout;
  }

  void start() {
    asio::post(strand_, [self = shared_from_this()] { self->arm_deadline(); });
  }

 private:
  using Step = void (SshProbe::*)();

  void arm_deadline() {
    deadline_timer_.expires_at(request_.start + request_.timeout);
    deadline_timer_.async_wait([self = shared_from_this()](error_code ec) { self->on_deadline(ec); });
    start_resolve();
  }

  void on_deadline(error_code ec) {
    if (ec || finished_) return;
    fail_probe(Error{ErrorCode::deadline_exceeded,
               "deadline of " + std::to_string(request_.timeout.count()) + "ms exceeded during " +
                   std::string(to_string(phase_)),
               std::nullopt});
  }

  void start_resolve() {
    enter_phase(Phase::resolve);
    if (request_.target.ip_literal) {
      error_code ec;
      const auto address = asio::ip::make_address(request_.target.host, ec);
      if (ec) return fail_probe(Error{ErrorCode::invalid_argument, "invalid address " + request_.target.host, {}});
      report_.dns_lookup = Clock::duration::zero();
      addresses_ = {address};
      return start_connect();
    }
    resolver_.resolve(request_.target.host, strand_,
                      [self = shared_from_this()](Result<Resolver::Addresses> addresses) {
                        self->on_resolve(std::move(addresses));
                      });
  }

  void on_resolve(Result<Resolver::Addresses> addresses) {
    if (finished_) return;
    if (!addresses) return fail_probe(addresses.error());
    report_.dns_lookup = Clock::now() - phase_start_;
    addresses_ = connect_order(std::move(*addresses), module_.ip_protocol);
    start_connect();
  }

  // Tries addresses_[next_address_], and the next one if that fails (as ssh does).
  void start_connect() {
    enter_phase(Phase::connect);
    const auto& address = addresses_[next_address_];
    report_.ip_protocol = address.is_v6() ? 6 : 4;
    endpoint_ = tcp::endpoint(address, request_.target.port.value_or(module_.port));
    socket_.async_connect(endpoint_, [self = shared_from_this()](error_code ec) { self->on_connect(ec); });
  }

  void on_connect(error_code ec) {
    if (finished_) return;
    if (!ec) return start_handshake();
    connect_errors_ += (connect_errors_.empty() ? "" : "; ") + endpoint_string() + ": " + ec.message();
    error_code ignored;
    socket_.close(ignored);
    if (++next_address_ < addresses_.size()) return start_connect();
    fail_probe(Error{ErrorCode::unavailable, "connect to " + connect_errors_, std::nullopt});
  }

  void start_handshake() {
    enter_phase(Phase::handshake);
    // SSH packets are small and each waits for an answer: Nagle would hold the second of two
    // writes until the server's delayed ACK (40 ms on Linux).
    error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    // libssh may close the fd it is given (LIBSSH_NOTES.md, "The socket"): it gets a dup, and the
    // Asio socket keeps the original for waiting, so neither side closes the other's descriptor.
    const int fd = ::dup(socket_.native_handle());
    if (fd < 0) return fail_probe(Error{ErrorCode::internal, "dup: " + std::string(std::strerror(errno)), {}});
    SessionOptions options{fd,
                           request_.target.host,
                           endpoint_.port(),
                           module_.auth.user,
                           module_.host_key.known_hosts,
                           module_.host_key.algorithms};
    auto session = SshSession::create(options);
    if (!session) return fail_probe(session.error());
    session_.emplace(std::move(*session));
    step_handshake();
  }

  void step_handshake() {
    const auto progress = session_->connect();
    if (!progress) return fail_probe(progress.error());
    if (*progress == Progress::again) return wait_socket(&SshProbe::step_handshake);
    report_.server = session_->server_info();
    check_host_key();
  }

  void check_host_key() {
    enter_phase(Phase::host_key);
    const auto key = session_->server_host_key();
    if (!key) return fail_probe(key.error());
    report_.host_key = *key;
    const HostKeyPolicy& policy = module_.host_key;
    const KnownHostsState state = (policy.insecure_ignore || policy.known_hosts.empty())
                                      ? KnownHostsState::not_checked
                                      : session_->known_hosts_state();
    const HostKeyVerdict verdict = decide_host_key(policy, state, key->fingerprint_sha256);
    // No credential may leave the machine before this point.
    if (!verdict.accepted) {
      return fail_probe(Error{ErrorCode::permission_denied, verdict.detail, std::nullopt});
    }
    start_auth();
  }

  void start_auth() {
    enter_phase(Phase::auth);
    if (module_.auth.key) report_.certificate_expiry = module_.auth.key->certificate_valid_before;
    step_auth();
  }

  void step_auth() {
    if (next_method_ >= plan_.size()) return auth_denied();
    const auto outcome = try_method(plan_[next_method_]);
    if (!outcome) return fail_probe(outcome.error());
    switch (*outcome) {
      case AuthOutcome::again:
        return wait_socket(&SshProbe::step_auth);
      case AuthOutcome::success:
        return succeed();
      case AuthOutcome::denied:
      case AuthOutcome::partial:
        tried_ += (tried_.empty() ? "" : ",") + std::string(to_string(plan_[next_method_]));
        ++next_method_;
        return step_auth();
    }
  }

  Result<AuthOutcome> try_method(AuthMethod method) {
    const Auth& auth = module_.auth;
    switch (method) {
      case AuthMethod::publickey: return session_->auth_publickey(auth.key->key.get());
      case AuthMethod::password: return session_->auth_password(*auth.password);
      case AuthMethod::keyboard_interactive: return session_->auth_kbdint(*auth.password);
    }
    return spe::fail(ErrorCode::internal, "unknown authentication method");
  }

  void auth_denied() {
    fail_probe(Error{ErrorCode::unauthenticated,
               "authentication as \"" + module_.auth.user + "\" denied (tried " + tried_ +
                   "; server offers " + session_->offered_auth_methods() + ")",
               std::nullopt});
  }

  // Waits until libssh can make progress, then runs `next` on the strand.
  void wait_socket(Step next) {
    // OpenSSH delays some replies until our ACK; a quick ACK keeps loopback probes off the
    // delayed-ACK timer (LIBSSH_NOTES.md, "Latency"). The flag is not sticky: set it per wait.
    const int one = 1;
    ::setsockopt(socket_.native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    const auto kind = session_->wants_write() ? tcp::socket::wait_write : tcp::socket::wait_read;
    socket_.async_wait(kind, [self = shared_from_this(), next](error_code ec) {
      if (self->finished_) return;
      if (ec) return self->fail_probe(Error{ErrorCode::unavailable, "socket wait: " + ec.message(), {}});
      (self.get()->*next)();
    });
  }

  void enter_phase(Phase phase) {
    if (phase_started_ && phase == phase_) return;  // another address: the phase goes on
    const auto now = Clock::now();
    if (phase_started_) report_.set_phase_duration(phase_, now - phase_start_);
    phase_ = phase;
    phase_start_ = now;
    phase_started_ = true;
    report_.last_phase = phase;
  }

  void succeed() {
    report_.success = true;
    session_->disconnect();
    complete();
  }

  void fail_probe(const Error& error) {
    if (finished_) return;
    report_.success = false;
    report_.failure = failure_reason(phase_, error.code);
    report_.failure_message = error.message;
    // A polite goodbye once the server has proven to speak SSH; otherwise just drop it.
    if (session_ && (phase_ == Phase::host_key || phase_ == Phase::auth) &&
        error.code != ErrorCode::deadline_exceeded) {
      session_->disconnect();
    }
    complete();
  }

  void complete() {
    if (finished_) return;
    finished_ = true;
    const auto now = Clock::now();
    report_.set_phase_duration(phase_, now - phase_start_);
    report_.duration = now - request_.start;
    deadline_timer_.cancel();
    session_.reset();
    error_code ignored;
    socket_.close(ignored);
    auto done = std::move(done_);
    done(std::move(report_));
  }

  std::string endpoint_string() const {
    const auto address = endpoint_.address().to_string();
    const auto port = std::to_string(endpoint_.port());
    return endpoint_.address().is_v6() ? "[" + address + "]:" + port : address + ":" + port;
  }

  asio::strand<asio::any_io_executor> strand_;
  Resolver& resolver_;
  ProbeRequest request_;
  const Module& module_;
  ProbeCallback done_;
  asio::steady_timer deadline_timer_;
  // Declared before the session: destroyed after it (the session holds a dup of this socket).
  tcp::socket socket_;
  std::optional<SshSession> session_;
  std::vector<asio::ip::address> addresses_;
  std::size_t next_address_ = 0;
  std::string connect_errors_;
  tcp::endpoint endpoint_;
  ProbeReport report_;
  Phase phase_ = Phase::resolve;
  Clock::time_point phase_start_;
  bool phase_started_ = false;
  bool finished_ = false;
  std::vector<AuthMethod> plan_;
  std::size_t next_method_ = 0;
  std::string tried_;
};

}  // namespace

void start_ssh_probe(asio::any_io_executor executor, Resolver& resolver, ProbeRequest request,
                     ProbeCallback done) {
  std::make_shared<SshProbe>(std::move(executor), resolver, std::move(request), std::move(done))->start();
}

}  // namespace spe
