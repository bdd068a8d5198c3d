#include "probe/ssh_probe.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "probe/auth_plan.hpp"
#include "probe/command_check.hpp"
#include "probe/connect_order.hpp"
#include "probe/descriptors.hpp"
#include "probe/host_key.hpp"
#include "probe/readiness.hpp"
#include "probe/ssh_handle.hpp"

namespace spe {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

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
    // Every configured command is reported, run or not, so its series exist on every path.
    for (const Command& command : module_.commands) report_.commands.push_back(CommandReport{command.name});
  }

  void start() {
    asio::post(strand_, [self = shared_from_this()] { self->arm_deadline(); });
  }

  // From any thread: the probe stops where it is, as at its deadline (nobody waits for it any more).
  void cancel() {
    asio::post(strand_, [self = shared_from_this()] {
      self->fail_probe(Error{ErrorCode::deadline_exceeded,
                             "cancelled during " + std::string(to_string(self->phase_)) +
                                 ": the HTTP client disconnected",
                             std::nullopt});
    });
  }

 private:
  using Step = void (SshProbe::*)();

  Clock::time_point probe_deadline() const { return request_.start + request_.timeout; }

  void arm_deadline() {
    log("debug", "probe started", {{"module", module_.name}, {"target", request_.target_text},
                                   {"timeout_seconds", std::to_string(request_.timeout.count() / 1000.0)}});
    arm_timer(probe_deadline());
    start_resolve();
  }

  // The probe's one timer, set to the probe deadline or an earlier command deadline. Re-arming
  // makes any wake-up of the previous setting stale, even one already queued.
  void arm_timer(Clock::time_point when) {
    const unsigned generation = ++timer_generation_;
    deadline_timer_.expires_at(when);
    deadline_timer_.async_wait([self = shared_from_this(), generation](error_code ec) {
      if (ec || generation != self->timer_generation_ || self->finished_) return;
      self->on_timer();
    });
  }

  void on_timer() {
    if (Clock::now() < probe_deadline() && channel_) return command_timed_out();
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
    std::string listed;
    for (const auto& address : addresses_) listed += (listed.empty() ? "" : ",") + address.to_string();
    log("debug", "resolved", {{"host", request_.target.host}, {"addresses", listed}});
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
    if (!ec) {
      log("debug", "connected", {{"address", endpoint_string()}});
      return start_handshake();
    }
    error_code ignored;
    socket_.close(ignored);
    // No socket could be made: the exporter's own limit, not the target's fault.
    if (out_of_descriptors(ec.value())) {
      return fail_probe(Error{ErrorCode::internal,
                              "connect to " + endpoint_string() + ": " + descriptor_shortage(ec.value()),
                              std::nullopt});
    }
    connect_errors_ += (connect_errors_.empty() ? "" : "; ") + endpoint_string() + ": " + ec.message();
    if (++next_address_ < addresses_.size()) return start_connect();
    fail_probe(Error{ErrorCode::unavailable, "connect to " + connect_errors_, std::nullopt});
  }

  void start_handshake() {
    enter_phase(Phase::handshake);
    // SSH packets are small and each waits for an answer: Nagle would hold the second of two
    // writes until the server's delayed ACK (docs/libssh.md, "Latency").
    error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    // libssh may close the fd it is given (docs/libssh.md, "The socket"): it gets a dup, and the
    // Asio socket keeps the original for waiting, so neither side closes the other's descriptor.
    const int fd = ::dup(socket_.native_handle());
    if (fd < 0) {
      const int err = errno;
      const std::string why = out_of_descriptors(err) ? descriptor_shortage(err) : std::strerror(err);
      return fail_probe(Error{ErrorCode::internal, "dup of the socket for libssh: " + why, std::nullopt});
    }
    SessionOptions options{fd,
                           request_.target.host,
                           endpoint_.port(),
                           module_.auth.user,
                           host_key_algorithms()};
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
    log("debug", "key exchange done",
        {{"banner", report_.server->banner}, {"kex", report_.server->kex}, {"cipher", report_.server->cipher},
         {"mac", report_.server->mac}});
    check_host_key();
  }

  // The name known_hosts knows this target by: "[host]:port", or host alone on port 22.
  std::string known_hosts_name() const { return spe::known_hosts_name(request_.target.host, endpoint_.port()); }

  // The module's host_key_algorithms (or libssh's defaults) with those known_hosts holds a key
  // for first, as libssh orders them when it reads known_hosts itself: the server then shows
  // the key the file knows rather than another type.
  std::vector<std::string> host_key_algorithms() const {
    const HostKeyPolicy& policy = module_.host_key;
    if (policy.insecure_ignore || !policy.known_hosts_entries) return policy.algorithms;
    return host_key_algorithms_for(policy.known_hosts_entries->key_types(known_hosts_name()), policy.algorithms);
  }

  void check_host_key() {
    enter_phase(Phase::host_key);
    const auto key = session_->server_host_key();
    if (!key) return fail_probe(key.error());
    report_.host_key = key->info;
    const HostKeyPolicy& policy = module_.host_key;
    KnownHostsMatch known;
    if (!policy.insecure_ignore && policy.known_hosts_entries) {
      known = policy.known_hosts_entries->check(known_hosts_name(), key->blob);
    }
    const HostKeyVerdict verdict = decide_host_key(policy, known, key->info.fingerprint_sha256);
    std::vector<std::pair<std::string, std::string>> fields{
        {"type", key->info.type}, {"fingerprint", key->info.fingerprint_sha256},
        {"known_hosts", std::string(to_string(known.state))}, {"detail", verdict.detail}};
    if (known.state != KnownHostsState::not_checked && policy.known_hosts_entries->skipped_count() > 0) {
      fields.emplace_back("known_hosts_skipped", policy.known_hosts_entries->skipped_summary());
    }
    log("debug", verdict.accepted ? "host key accepted" : "host key refused", std::move(fields));
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
        log("debug", "authenticated", {{"user", module_.auth.user}, {"method", std::string(to_string(plan_[next_method_]))}});
        return start_commands();
      case AuthOutcome::denied:
      case AuthOutcome::partial:
        log("debug", *outcome == AuthOutcome::partial ? "authentication partial" : "authentication denied",
            {{"method", std::string(to_string(plan_[next_method_]))}, {"offered", session_->offered_auth_methods()}});
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

  void start_commands() {
    if (module_.commands.empty()) return succeed();
    enter_phase(Phase::commands);
    start_command();
  }

  // Each command on a channel of its own, one after another; a failed command does not stop the
  // others, and the first failure is the probe's reason.
  void start_command() {
    if (next_command_ >= module_.commands.size()) return finish_commands();
    const Command& command = module_.commands[next_command_];
    command_start_ = Clock::now();
    Clock::time_point deadline = probe_deadline();
    if (command.timeout) deadline = std::min(deadline, command_start_ + *command.timeout);
    if (deadline != probe_deadline()) arm_timer(deadline);
    outcome_ = CommandOutcome{};
    received_ = 0;
    channel_.emplace(*session_);
    step_open_channel();
  }

  void step_open_channel() {
    const auto progress = channel_->open();
    if (!progress) return command_failed(progress.error());
    if (*progress == Progress::again) return wait_socket(&SshProbe::step_open_channel);
    step_exec();
  }

  void step_exec() {
    const auto progress = channel_->exec(current_command().command);
    if (!progress) return command_failed(progress.error());
    if (*progress == Progress::again) return wait_socket(&SshProbe::step_exec);
    step_read();
  }

  void step_read() {
    const auto read = channel_->read_available(outcome_.output, current_command().max_output_bytes);
    if (!read) return command_failed(read.error());
    received_ += read->stdout_bytes;
    if (read->truncated) {
      outcome_.truncated = true;
      return end_command();
    }
    if (read->more) return run_soon(&SshProbe::step_read);
    if (channel_->finished()) return end_command();
    wait_socket(&SshProbe::step_read);
  }

  void command_timed_out() {
    outcome_.timed_out = true;
    end_command();
  }

  void command_failed(const Error& error) {
    log("debug", "command failed", {{"command", current_command().name}, {"err", error.message}});
    end_command();
  }

  void end_command() {
    const Command& command = current_command();
    if (!outcome_.truncated && !outcome_.timed_out) {
      outcome_.exit_status = channel_->exit_status();
      outcome_.exit_signal = channel_->exit_signal();
    }
    // A command still running is told to stop; either way the channel closes here.
    if (outcome_.timed_out || outcome_.truncated) channel_->send_signal("KILL");
    channel_->close();
    channel_.reset();
    record_command(command, evaluate_command(command, outcome_));
    ++next_command_;
    if (Clock::now() >= probe_deadline()) return on_timer();
    arm_timer(probe_deadline());
    start_command();
  }

  void record_command(const Command& command, CommandVerdict verdict) {
    derived_metrics_.admit(command, verdict);
    CommandReport& entry = report_.commands[next_command_];
    entry.exit_status = outcome_.exit_status;
    entry.exit_signal = outcome_.exit_signal;
    entry.duration = Clock::now() - command_start_;
    entry.output_truncated = outcome_.truncated;
    entry.output_bytes = received_;
    entry.success = verdict.success;
    entry.derived = std::move(verdict.derived);
    log("debug", "command done",
        {{"command", command.name},
         {"exit_status", outcome_.exit_status ? std::to_string(*outcome_.exit_status) : "none"},
         {"signal", outcome_.exit_signal},
         {"output_bytes", std::to_string(received_)},
         {"truncated", outcome_.truncated ? "true" : "false"},
         {"duration_seconds", std::to_string(std::chrono::duration<double>(entry.duration).count())},
         {"result", verdict.success ? "success" : verdict.detail}});
    if (!verdict.notes.empty()) {
      std::string notes;
      for (const std::string& note : verdict.notes) notes += (notes.empty() ? "" : "; ") + note;
      log("debug", "output left out", {{"command", command.name}, {"detail", std::move(notes)}});
    }
    if (!verdict.success && !command_failure_) command_failure_ = {*verdict.failure, verdict.detail};
  }

  void finish_commands() {
    if (!command_failure_) return succeed();
    report_.failure = command_failure_->first;
    report_.failure_message = command_failure_->second;
    session_->disconnect();
    complete();
  }

  const Command& current_command() const { return module_.commands[next_command_]; }

  // Waits until libssh can make progress, then runs `next` on the strand.
  void wait_socket(Step next) {
    switch (next_wait()) {
      case SocketWait::none: return run_soon(next);
      case SocketWait::writable: return wait_reactor(tcp::socket::wait_write, next);
      case SocketWait::readable: return wait_reactor(tcp::socket::wait_read, next);
    }
  }

  // Asks the kernel what ReadinessPolicy needs to know.
  SocketWait next_wait() {
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
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    int pending = 0;
    return readiness_.read_wanted(::ioctl(fd, FIONREAD, &pending) == 0 && pending > 0);
  }

  // Runs `next` on the strand after the handlers already queued.
  void run_soon(Step next) {
    asio::post(strand_, [self = shared_from_this(), next] {
      if (!self->finished_) (self.get()->*next)();
    });
  }

  void wait_reactor(tcp::socket::wait_type kind, Step next) {
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
    log("debug", "probe succeeded", {});
    session_->disconnect();
    complete();
  }

  void fail_probe(const Error& error) {
    if (finished_) return;
    report_.success = false;
    report_.failure = failure_reason(phase_, error.code);
    report_.failure_message = error.message;
    // A server that sent its banner and then stalled or failed in key exchange still said who it
    // is: keep what libssh knows (the banner; the algorithms only once agreed).
    if (session_ && phase_ == Phase::handshake && !report_.server) {
      if (ServerInfo info = session_->server_info(); !info.banner.empty()) report_.server = std::move(info);
    }
    if (channel_) {
      outcome_.timed_out = error.code == ErrorCode::deadline_exceeded;
      record_command(current_command(), evaluate_command(current_command(), outcome_));
      channel_.reset();
    }
    log("info", "probe failed", {{"phase", std::string(to_string(phase_))},
                                 {"reason", std::string(to_string(*report_.failure))}, {"err", error.message}});
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

  void log(std::string level, std::string msg, std::vector<std::pair<std::string, std::string>> fields) {
    fields.insert(fields.begin(), {"msg", std::move(msg)});
    report_.log.push_back(ProbeLogLine{Clock::now() - request_.start, std::move(level), std::move(fields)});
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
  // Declared after the session: destroyed before it.
  std::optional<SshChannel> channel_;
  std::vector<asio::ip::address> addresses_;
  std::size_t next_address_ = 0;
  std::string connect_errors_;
  tcp::endpoint endpoint_;
  ProbeReport report_;
  Phase phase_ = Phase::resolve;
  Clock::time_point phase_start_;
  bool phase_started_ = false;
  bool finished_ = false;
  ReadinessPolicy readiness_;
  std::vector<AuthMethod> plan_;
  std::size_t next_method_ = 0;
  std::string tried_;
  unsigned timer_generation_ = 0;
  std::size_t next_command_ = 0;
  Clock::time_point command_start_;
  CommandOutcome outcome_;
  std::size_t received_ = 0;
  std::optional<std::pair<FailureReason, std::string>> command_failure_;
  DerivedMetrics derived_metrics_;  // what the commands run so far derived, for clashes
};

}  // namespace

ProbeCanceller start_ssh_probe(asio::any_io_executor executor, Resolver& resolver, ProbeRequest request,
                               ProbeCallback done) {
  const auto probe = std::make_shared<SshProbe>(std::move(executor), resolver, std::move(request), std::move(done));
  probe->start();
  return [weak = std::weak_ptr<SshProbe>(probe)] {
    if (const auto alive = weak.lock()) alive->cancel();
  };
}

}  // namespace spe
