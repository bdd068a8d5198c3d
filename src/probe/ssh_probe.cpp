#include "probe/ssh_probe.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "probe/authentication.hpp"
#include "probe/command_runner.hpp"
#include "probe/connect_order.hpp"
#include "probe/connection.hpp"
#include "probe/probe_log.hpp"

namespace spe {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

// The sequencer of one probe's phases: it owns the strand, the one deadline timer, the report and
// the phase timings; Connection, Authentication and CommandRunner hold the state of their phases.
class SshProbe : public std::enable_shared_from_this<SshProbe> {
 public:
  SshProbe(asio::any_io_executor executor, Resolver& resolver, ProbeRequest request, ProbeCallback done)
      : strand_(asio::make_strand(executor)),
        resolver_(resolver),
        request_(std::move(request)),
        module_(*request_.module),
        done_(std::move(done)),
        deadline_timer_(strand_),
        log_(request_.start),
        connection_(strand_, request_.target.host),
        authentication_(module_.auth),
        commands_(module_.commands, log_) {
    report_.module = module_.name;
    report_.target = request_.target_text;
    report_.timeout = request_.timeout;
  }

  void start() {
    asio::post(strand_, [self = shared_from_this()] { self->arm_deadline(); });
  }

  // From any thread: the probe stops where it is, as at its deadline (nobody waits for it any more).
  void cancel() {
    asio::post(strand_, [self = shared_from_this()] {
      self->fail_probe(
          Error{ErrorCode::deadline_exceeded,
                "cancelled during " + std::string(to_string(self->phase_)) + ": the HTTP client disconnected",
                std::nullopt});
    });
  }

 private:
  using Step = void (SshProbe::*)();

  Clock::time_point probe_deadline() const { return request_.start + request_.timeout; }

  void arm_deadline() {
    log_.add("debug", "probe started",
             {{"module", module_.name},
              {"target", request_.target_text},
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
    if (Clock::now() < probe_deadline() && commands_.running()) {
      commands_.time_out();
      return after_command();
    }
    fail_probe(Error{ErrorCode::deadline_exceeded,
                     "deadline of " + std::to_string(request_.timeout.count()) + "ms exceeded during " +
                         std::string(to_string(phase_)),
                     std::nullopt});
  }

  // Connection: resolve, connect (each address in turn), handshake, host key.

  void start_resolve() {
    enter_phase(Phase::resolve);
    if (request_.target.ip_literal) {
      error_code ec;
      const auto address = asio::ip::make_address(request_.target.host, ec);
      if (ec) return fail_probe(Error{ErrorCode::invalid_argument, "invalid address " + request_.target.host, {}});
      report_.dns_lookup = Clock::duration::zero();
      connection_.set_addresses({address});
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
    connection_.set_addresses(connect_order(std::move(*addresses), module_.ip_protocol));
    std::string listed;
    for (const auto& address : connection_.addresses()) listed += (listed.empty() ? "" : ",") + address.to_string();
    log_.add("debug", "resolved", {{"host", request_.target.host}, {"addresses", listed}});
    start_connect();
  }

  void start_connect() {
    enter_phase(Phase::connect);
    connection_.connect(request_.target.port.value_or(module_.port),
                        [self = shared_from_this()](error_code ec) { self->on_connect(ec); });
    report_.ip_protocol = connection_.ip_version();
  }

  void on_connect(error_code ec) {
    if (finished_) return;
    if (!ec) {
      log_.add("debug", "connected", {{"address", connection_.endpoint_string()}});
      return start_handshake();
    }
    if (const auto error = connection_.connect_failed(ec)) return fail_probe(*error);
    start_connect();
  }

  void start_handshake() {
    enter_phase(Phase::handshake);
    if (const auto opened = connection_.open_session(module_.auth.user, module_.host_key); !opened) {
      return fail_probe(opened.error());
    }
    step_handshake();
  }

  void step_handshake() {
    const auto progress = connection_.handshake();
    if (!progress) return fail_probe(progress.error());
    if (*progress == Progress::again) return wait_socket(&SshProbe::step_handshake);
    report_.server = connection_.session().server_info();
    log_.add("debug", "key exchange done",
             {{"banner", report_.server->banner},
              {"kex", report_.server->kex},
              {"cipher", report_.server->cipher},
              {"mac", report_.server->mac}});
    check_host_key();
  }

  void check_host_key() {
    enter_phase(Phase::host_key);
    const auto check = connection_.check_host_key(module_.host_key, log_);
    if (!check) return fail_probe(check.error());
    report_.host_key = check->key;
    // No credential may leave the machine before this point.
    if (!check->verdict.accepted) {
      return fail_probe(Error{ErrorCode::permission_denied, check->verdict.detail, std::nullopt});
    }
    start_auth();
  }

  // Authentication.

  void start_auth() {
    enter_phase(Phase::auth);
    if (module_.auth.key) report_.certificate_expiry = module_.auth.key->certificate_valid_before;
    step_auth();
  }

  void step_auth() {
    const auto progress = authentication_.step(connection_.session(), log_);
    if (!progress) return fail_probe(progress.error());
    if (*progress == Progress::again) return wait_socket(&SshProbe::step_auth);
    start_commands();
  }

  // Commands: one after another, each with its own deadline (the probe's, or its timeout if earlier).

  void start_commands() {
    if (module_.commands.empty()) return succeed();
    enter_phase(Phase::commands);
    start_command();
  }

  void start_command() {
    if (commands_.all_done()) return finish_commands();
    const auto deadline = commands_.start_next(connection_.session(), probe_deadline());
    if (deadline != probe_deadline()) arm_timer(deadline);
    step_command();
  }

  void step_command() {
    switch (commands_.step()) {
      case CommandRunner::Next::wait_socket: return wait_socket(&SshProbe::step_command);
      case CommandRunner::Next::run_soon: return run_soon(&SshProbe::step_command);
      case CommandRunner::Next::ended: return after_command();
    }
  }

  void after_command() {
    if (Clock::now() >= probe_deadline()) return on_timer();
    arm_timer(probe_deadline());
    start_command();
  }

  void finish_commands() {
    if (!commands_.failure()) return succeed();
    report_.failure = commands_.failure()->first;
    report_.failure_message = commands_.failure()->second;
    connection_.session().disconnect();
    complete();
  }

  // Waiting between non-blocking steps. Only the continuation scheduled last is live: one left
  // behind by a command that ended at its timer must not step the next command.

  // Waits until libssh can make progress, then runs `next` on the strand.
  void wait_socket(Step next) {
    connection_.when_ready([self = shared_from_this(), next, generation = ++wait_generation_](error_code ec) {
      if (self->finished_ || generation != self->wait_generation_) return;
      if (ec) return self->fail_probe(Error{ErrorCode::unavailable, "socket wait: " + ec.message(), {}});
      (self.get()->*next)();
    });
  }

  // Runs `next` on the strand after the handlers already queued.
  void run_soon(Step next) {
    asio::post(strand_, [self = shared_from_this(), next, generation = ++wait_generation_] {
      if (!self->finished_ && generation == self->wait_generation_) (self.get()->*next)();
    });
  }

  // The end.

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
    log_.add("debug", "probe succeeded", {});
    connection_.session().disconnect();
    complete();
  }

  void fail_probe(const Error& error) {
    if (finished_) return;
    report_.success = false;
    report_.failure = failure_reason(phase_, error.code);
    report_.failure_message = error.message;
    // A server that sent its banner and then stalled or failed in key exchange still said who it
    // is: keep what libssh knows (the banner; the algorithms only once agreed).
    if (connection_.has_session() && phase_ == Phase::handshake && !report_.server) {
      if (ServerInfo info = connection_.session().server_info(); !info.banner.empty()) {
        report_.server = std::move(info);
      }
    }
    if (commands_.running()) commands_.abandon(error);
    log_.add("info", "probe failed",
             {{"phase", std::string(to_string(phase_))},
              {"reason", std::string(to_string(*report_.failure))},
              {"err", error.message}});
    // A polite goodbye once the server has proven to speak SSH; otherwise just drop it.
    if (connection_.has_session() && (phase_ == Phase::host_key || phase_ == Phase::auth) &&
        error.code != ErrorCode::deadline_exceeded) {
      connection_.session().disconnect();
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
    connection_.close();
    report_.commands = commands_.take_reports();
    report_.log = log_.take();
    auto done = std::move(done_);
    done(std::move(report_));
  }

  asio::strand<asio::any_io_executor> strand_;
  Resolver& resolver_;
  ProbeRequest request_;
  const Module& module_;
  ProbeCallback done_;
  asio::steady_timer deadline_timer_;
  unsigned timer_generation_ = 0;
  unsigned wait_generation_ = 0;  // of the continuation scheduled last (wait_socket, run_soon)
  ProbeLog log_;
  // Declared before the phases that use its session: destroyed after them.
  Connection connection_;
  Authentication authentication_;
  CommandRunner commands_;
  ProbeReport report_;
  Phase phase_ = Phase::resolve;
  Clock::time_point phase_start_;
  bool phase_started_ = false;
  bool finished_ = false;
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
