#include "probe/ssh_probe.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "probe/authentication.hpp"
#include "probe/cleanup_queue.hpp"
#include "probe/command_runner.hpp"
#include "probe/shell_runner.hpp"
#include "probe/connect_order.hpp"
#include "probe/connection.hpp"
#include "probe/forward_channel.hpp"
#include "probe/forward_checks.hpp"
#include "probe/probe_log.hpp"
#include "probe/relay.hpp"
#include "probe/sftp_runner.hpp"

namespace spe {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

// One jump host of the module's chain: its connection and login, then the channel it forwards to
// the next hop or the target and the relay that serves that stream to the next leg.
struct Hop {
  Hop(asio::any_io_executor executor, const JumpHost& config)
      : config(config), connection(std::move(executor), config.host), authentication(config.auth, config.algorithms) {}

  const JumpHost& config;
  // Declared before what uses its session: destroyed after them.
  Connection connection;
  Authentication authentication;
  std::optional<ForwardChannel> channel;
  std::unique_ptr<Relay> relay;
  bool lost = false;  // its session failed while relaying
};

// The module's commands phase, by its session mode.
std::unique_ptr<CommandsPhase> make_commands_phase(const Module& module, ProbeLog& log) {
  if (module.session.mode == SessionMode::shell) return std::make_unique<ShellRunner>(module, log);
  return std::make_unique<CommandRunner>(module.commands, log);
}

// The sequencer of one probe's phases: it owns the strand, the one deadline timer, the report and
// the phase timings; Connection, Authentication and the CommandsPhase hold the state of their phases.
// Through jump hosts the probe goes through legs: each hop in turn (connect, handshake, host key,
// auth, forward), then the target over the stream the last hop relays.
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
        authentication_(module_.auth, module_.algorithms),
        commands_(make_commands_phase(module_, log_)),
        forwards_(module_.forwards, log_) {
    if (module_.sftp) sftp_.emplace(*module_.sftp, log_);
    report_.module = module_.name;
    report_.target = request_.target_text;
    report_.timeout = request_.timeout;
    for (const JumpHostPtr& hop : module_.jump_chain) {
      hops_.push_back(std::make_unique<Hop>(strand_, *hop));
      report_.hops.push_back(HopReport{.name = hop->name});
    }
  }

  void start() {
    asio::post(strand_, [self = shared_from_this()] { self->arm_deadline(); });
  }

  // From any thread: the probe stops where it is, as at its deadline (nobody waits for it any more).
  void cancel() {
    asio::post(strand_, [self = shared_from_this()] {
      self->fail_probe(Error{ErrorCode::deadline_exceeded,
                             "cancelled during " + self->where() + ": the HTTP client disconnected", std::nullopt});
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
    if (hops_.empty()) return start_resolve();
    // The target's connect phase lasts until the last hop has opened the stream to it.
    enter_phase(Phase::connect);
    start_hop();
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
    if (Clock::now() < probe_deadline() && commands_->running()) {
      commands_->time_out();
      return after_command();
    }
    if (Clock::now() < probe_deadline() && forwards_.running()) {
      forwards_.time_out();
      return after_forward();
    }
    fail_probe(Error{ErrorCode::deadline_exceeded,
                     "deadline of " + std::to_string(request_.timeout.count()) + "ms exceeded during " + where(),
                     std::nullopt});
  }

  // The leg in progress: a hop (leg_ < hops_.size()) or the target.
  bool at_hop() const { return leg_ < hops_.size(); }
  Hop& hop() { return *hops_[leg_]; }
  Connection& conn() { return at_hop() ? hop().connection : connection_; }
  const HostKeyPolicy& host_key_policy() const { return at_hop() ? hops_[leg_]->config.host_key : module_.host_key; }
  const Auth& auth() const { return at_hop() ? hops_[leg_]->config.auth : module_.auth; }
  const AlgorithmChoice& algorithms() const { return at_hop() ? hops_[leg_]->config.algorithms : module_.algorithms; }

  // "handshake", or "auth at jump host bastion": where the probe is, for messages.
  std::string where() const {
    if (leg_ >= hops_.size()) return std::string(to_string(phase_));
    return std::string(resolving_hop_ ? "resolve" : to_string(hop_phase_)) + " at jump host " +
           hops_[leg_]->config.name;
  }

  // Jump hosts: each hop is reached as a target is (the first over TCP, each later one over the
  // stream the one before relays), then opens the channel onward.

  void start_hop() {
    const JumpHost& config = hop().config;
    log_.set_hop(config.name);
    hop_phase_started_ = false;
    enter_hop_phase(HopPhase::connect);
    if (leg_ > 0) return start_handshake();  // its stream was adopted when the hop before opened it
    // The first hop's name is the exporter's to resolve (its time counts as the hop's connect).
    error_code ec;
    const auto address = asio::ip::make_address(config.host, ec);
    if (!ec) {
      hop().connection.set_addresses({address});
      return start_connect();
    }
    resolving_hop_ = true;
    resolver_.resolve(config.host, strand_, [self = shared_from_this()](Result<Resolver::Addresses> addresses) {
      self->on_resolve(std::move(addresses));
    });
  }

  void enter_hop_phase(HopPhase phase) {
    const auto now = Clock::now();
    if (hop_phase_started_) report_.hops[leg_].set_phase_duration(hop_phase_, now - hop_phase_start_);
    hop_phase_ = phase;
    hop_phase_start_ = now;
    hop_phase_started_ = true;
  }

  // After the hop's login: the channel to the next hop, or to the target.
  void start_forward() {
    enter_hop_phase(HopPhase::forward);
    hop().channel.emplace(hop().connection.session());
    log_.add("debug", "opening channel", {{"to", forward_host() + ":" + std::to_string(forward_port())}});
    step_forward();
  }

  const std::string& forward_host() const {
    return leg_ + 1 < hops_.size() ? hops_[leg_ + 1]->config.host : request_.target.host;
  }
  unsigned short forward_port() const {
    return leg_ + 1 < hops_.size() ? hops_[leg_ + 1]->config.port : target_port();
  }
  unsigned short target_port() const { return request_.target.port.value_or(module_.port); }

  void step_forward() {
    const auto progress = hop().channel->open(forward_host(), forward_port());
    if (!progress) return fail_probe(progress.error());
    if (*progress == Progress::again) return wait_socket(&SshProbe::step_forward);
    const std::size_t index = leg_;
    hop().relay = std::make_unique<Relay>(strand_, hop().connection, *hop().channel,
                                          [this, index](const Error& error) { on_relay_lost(index, error); });
    const auto fd = hop().relay->open();
    if (!fd) return fail_probe(fd.error());
    log_.add("debug", "channel open", {{"to", forward_host() + ":" + std::to_string(forward_port())}});
    enter_hop_phase(HopPhase::forward);  // records forward
    hop_phase_started_ = false;
    report_.hops[leg_].success = true;
    hop().relay->start(shared_from_this());
    const std::string via = "jump host " + hop().config.name;
    const unsigned short port = forward_port();
    ++leg_;
    if (const auto adopted = conn().adopt(*fd, port, via); !adopted) return fail_probe(adopted.error());
    if (at_hop()) return start_hop();
    log_.set_hop("");
    start_handshake();
  }

  // A hop's session failed while it relayed for a later leg: that leg's stream has ended, and the
  // probe fails now, in the phase it is in.
  void on_relay_lost(std::size_t index, const Error& error) {
    hops_[index]->lost = true;  // also after the answer: close_legs then owes that hop no goodbye
    if (finished_) return;
    const std::string& name = hops_[index]->config.name;
    log_.set_hop(name);
    log_.add("info", "jump host connection lost", {{"err", error.message}});
    log_.set_hop(at_hop() ? hop().config.name : "");
    fail_probe(Error{ErrorCode::unavailable, "jump host " + name + ": connection lost: " + error.message, {}});
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
    const bool hop = at_hop();
    if (!hop) report_.dns_lookup = Clock::now() - phase_start_;
    conn().set_addresses(
        connect_order(std::move(*addresses), hop ? this->hop().config.ip_protocol : module_.ip_protocol));
    resolving_hop_ = false;
    std::string listed;
    for (const auto& address : conn().addresses()) listed += (listed.empty() ? "" : ",") + address.to_string();
    log_.add("debug", "resolved",
             {{"host", hop ? this->hop().config.host : request_.target.host}, {"addresses", listed}});
    start_connect();
  }

  // Over TCP: the target of a direct probe, or the first hop.
  void start_connect() {
    if (!at_hop()) enter_phase(Phase::connect);
    conn().connect(at_hop() ? hop().config.port : target_port(),
                   [self = shared_from_this()](error_code ec) { self->on_connect(ec); });
    if (!at_hop()) report_.ip_protocol = connection_.ip_version();
  }

  void on_connect(error_code ec) {
    if (finished_) return;
    if (!ec) {
      log_.add("debug", "connected", {{"address", conn().endpoint_string()}});
      return start_handshake();
    }
    const std::string address = conn().endpoint_string();
    if (const auto error = conn().connect_failed(ec)) return fail_probe(*error);
    // Another address follows (the other family, or another of the name's): say why this one failed.
    log_.add("debug", "connect failed", {{"address", address}, {"err", ec.message()}});
    start_connect();
  }

  void start_handshake() {
    if (at_hop()) {
      enter_hop_phase(HopPhase::handshake);
    } else {
      enter_phase(Phase::handshake);
    }
    if (const auto opened = conn().open_session(auth().user, host_key_policy(), algorithms()); !opened) {
      return fail_probe(opened.error());
    }
    step_handshake();
  }

  void step_handshake() {
    const auto progress = conn().handshake();
    if (!progress) return fail_probe(progress.error());
    if (*progress == Progress::again) return wait_socket(&SshProbe::step_handshake);
    const ServerInfo server = conn().session().server_info();
    log_.add("debug", "key exchange done",
             {{"banner", server.banner}, {"kex", server.kex}, {"cipher", server.cipher}, {"mac", server.mac}});
    if (!at_hop()) report_.server = for_report(server);
    check_host_key();
  }

  void check_host_key() {
    if (at_hop()) {
      enter_hop_phase(HopPhase::host_key);
    } else {
      enter_phase(Phase::host_key);
    }
    const auto check = conn().check_host_key(host_key_policy(), log_);
    if (!check) return fail_probe(check.error());
    if (at_hop()) {
      report_.hops[leg_].host_key = check->key;
    } else {
      report_.host_key = check->key;
    }
    // No credential may leave the machine before this point.
    if (!check->verdict.accepted) {
      return fail_probe(Error{ErrorCode::permission_denied, check->verdict.detail, std::nullopt});
    }
    start_auth();
  }

  // What the report keeps of the server's identification: the banner's comment only when the
  // module asks for it, as some servers (tinysshd) put a new random token there on every connection
  // and a label must not change from scrape to scrape.
  ServerInfo for_report(ServerInfo info) const {
    if (!module_.banner_comment) info.banner = std::string(banner_without_comment(info.banner));
    return info;
  }

  // Authentication.

  void start_auth() {
    if (at_hop()) {
      enter_hop_phase(HopPhase::auth);
    } else {
      enter_phase(Phase::auth);
      if (module_.auth.key) report_.certificate_expiry = module_.auth.key->certificate_valid_before;
    }
    step_auth();
  }

  void step_auth() {
    Authentication& authentication = at_hop() ? hop().authentication : authentication_;
    const auto progress = authentication.step(conn().session(), log_);
    if (!progress) return fail_probe(progress.error());
    if (*progress == Progress::again) return wait_socket(&SshProbe::step_auth);
    if (at_hop()) return start_forward();
    start_commands();
  }

  // Commands: one after another, each with its own deadline (the probe's, or its timeout if earlier).

  void start_commands() {
    if (module_.commands.empty()) return start_forwards();
    enter_phase(Phase::commands);
    start_command();
  }

  void start_command() {
    if (commands_->all_done()) return finish_commands();
    const auto deadline = commands_->start_next(connection_.session(), probe_deadline());
    if (deadline != probe_deadline()) arm_timer(deadline);
    step_command();
  }

  void step_command() {
    switch (commands_->step()) {
      case CommandsPhase::Next::wait_socket: return wait_socket(&SshProbe::step_command);
      case CommandsPhase::Next::run_soon: return run_soon(&SshProbe::step_command);
      case CommandsPhase::Next::ended: return after_command();
    }
  }

  void after_command() {
    if (Clock::now() >= probe_deadline()) return on_timer();
    arm_timer(probe_deadline());
    start_command();
  }

  // Forwards: one after another, each with its own deadline, as commands. They run whatever the commands found.

  void start_forwards() {
    if (module_.forwards.empty()) return start_sftp();
    enter_phase(Phase::forwards);
    start_forward_check();
  }

  void start_forward_check() {
    if (forwards_.all_done()) return start_sftp();
    const auto deadline = forwards_.start_next(connection_.session(), probe_deadline());
    if (deadline != probe_deadline()) arm_timer(deadline);
    step_forward_check();
  }

  void step_forward_check() {
    switch (forwards_.step()) {
      case ForwardChecks::Next::wait_socket: return wait_socket(&SshProbe::step_forward_check);
      case ForwardChecks::Next::ended: return after_forward();
    }
  }

  void after_forward() {
    if (Clock::now() >= probe_deadline()) return on_timer();
    arm_timer(probe_deadline());
    start_forward_check();
  }

  void finish_commands() { start_forwards(); }

  // After the commands, the forwards and the SFTP check: the first command that failed is the reason, else the
  // first forward, else the SFTP check. The reason's phase is the one the report names (the exporter's
  // "probe failed" line), not the phase that ran last.
  void finish() {
    if (commands_->failure()) {
      report_.failure = commands_->failure()->first;
      report_.failure_message = commands_->failure()->second;
      fail_in(Phase::commands);
    } else if (forwards_.failure()) {
      report_.failure = FailureReason::forward;
      report_.failure_message = *forwards_.failure();
      fail_in(Phase::forwards);
    } else if (sftp_ && sftp_->failure()) {
      report_.failure = FailureReason::sftp;
      report_.failure_message = *sftp_->failure();
      fail_in(Phase::sftp);
    } else {
      return succeed();
    }
    connection_.session().disconnect();
    complete();
  }

  // The probe failed for what `phase` found: complete() times the phase that ran last, the report names `phase`.
  void fail_in(Phase phase) {
    log_failure(to_string(phase), report_.failure_message);
    report_.last_phase = phase;
  }

  // SFTP: last, whatever the commands and forwards found, over a channel of its own, under the probe deadline.

  void start_sftp() {
    if (!sftp_) return finish();
    enter_phase(Phase::sftp);
    sftp_->start(connection_.session());
    step_sftp();
  }

  void step_sftp() {
    switch (sftp_->step()) {
      case CommandsPhase::Next::wait_socket: return wait_socket(&SshProbe::step_sftp);
      case CommandsPhase::Next::run_soon: return run_soon(&SshProbe::step_sftp);
      case CommandsPhase::Next::ended: return finish();
    }
  }

  // Waiting between non-blocking steps. Only the continuation scheduled last is live: one left
  // behind by a command that ended at its timer must not step the next command.

  // Waits until libssh can make progress, then runs `next` on the strand.
  void wait_socket(Step next) {
    conn().when_ready([self = shared_from_this(), next, generation = ++wait_generation_](error_code ec) {
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
    if (at_hop() && phase != Phase::connect) return;  // a hop's phases are the hop's (enter_hop_phase)
    if (phase_started_ && phase == phase_) return;    // another address: the phase goes on
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
    report_.failure_message = error.message;
    bool polite = false;  // a goodbye once the server has proven to speak SSH; otherwise just drop it
    if (at_hop()) {
      report_.failure = resolving_hop_ ? failure_reason(Phase::resolve, error.code)
                                       : hop_failure_reason(hop_phase_, error.code);
      report_.failed_hop = leg_;
      polite = hop_phase_ == HopPhase::host_key || hop_phase_ == HopPhase::auth || hop_phase_ == HopPhase::forward;
    } else {
      report_.failure = failure_reason(phase_, error.code);
      // A server that sent its banner and then stalled or failed in key exchange still said who it
      // is: keep what libssh knows (the banner; the algorithms only once agreed).
      if (connection_.has_session() && phase_ == Phase::handshake && !report_.server) {
        if (ServerInfo info = connection_.session().server_info(); !info.banner.empty()) {
          report_.server = for_report(std::move(info));
        }
      }
      polite = phase_ == Phase::host_key || phase_ == Phase::auth;
    }
    commands_->abandon(error);  // its channels go before the session
    forwards_.abandon(error);
    if (sftp_) sftp_->abandon(error);
    log_failure(at_hop() ? to_string(hop_phase_) : to_string(phase_), error.message);
    if (at_hop()) {
      hop().channel.reset();  // before its session says goodbye (which frees every channel)
    }
    if (polite && conn().has_session() && error.code != ErrorCode::deadline_exceeded && !upstream_lost()) {
      conn().session().disconnect();
    }
    complete();
  }

  // The last line of a failed probe's log, whatever the phase it failed in.
  void log_failure(std::string_view phase, const std::string& message) {
    log_.add("info", "probe failed",
             {{"phase", std::string(phase)}, {"reason", std::string(to_string(*report_.failure))}, {"err", message}});
  }

  // Whether a hop before the current leg stopped relaying.
  bool upstream_lost() const { return upstream_lost_before(std::min(leg_, hops_.size())); }

  // Ends the hops from the last to the first: what the leg after each has written (its goodbye) is
  // passed on, then the hop says goodbye itself if it is still sound, and its connection closes.
  void close_hops() {
    for (std::size_t i = hops_.size(); i-- > 0;) {
      Hop& hop = *hops_[i];
      const bool sound = hop.relay != nullptr && !hop.lost && !upstream_lost_before(i);
      if (hop.relay) {
        if (sound) hop.relay->flush_outbound();
        hop.relay->stop();
      }
      hop.channel.reset();
      if (sound && hop.connection.has_session()) hop.connection.session().disconnect();
      hop.connection.close();
    }
  }

  // Whether a hop before hops_[index] stopped relaying.
  bool upstream_lost_before(std::size_t index) const {
    for (std::size_t i = 0; i < index; ++i) {
      if (hops_[i]->lost) return true;
    }
    return false;
  }

  void complete() {
    if (finished_) return;
    finished_ = true;
    const auto now = Clock::now();
    report_.set_phase_duration(phase_, now - phase_start_);
    if (at_hop() && hop_phase_started_) report_.hops[leg_].set_phase_duration(hop_phase_, now - hop_phase_start_);
    report_.duration = now - request_.start;
    deadline_timer_.cancel();
    const bool sftp_cleanup = sftp_ && sftp_->owes_cleanup();
    // A direct probe owes the target no more than closing its socket (or the removal of the SFTP
    // write test's file first). Through jump hosts, each hop is owed a goodbye: it waits until the
    // answer is out (close_legs).
    if (hops_.empty() && !sftp_cleanup) connection_.close();
    log_.set_hop("");
    report_.commands = commands_->take_reports();
    report_.forwards = forwards_.take_reports();
    if (sftp_) report_.sftp = sftp_->take_report();
    report_.log = log_.take();
    // Without a cleanup the slot is free before the answer goes out, so that a client reading
    // the exporter's metrics after its answer never sees its probe still in flight. (Through jump
    // hosts the goodbyes queued after the answer are counted in no slot, as before.)
    if (!sftp_cleanup) released();
    auto done = std::move(done_);
    done(std::move(report_));
    if (sftp_cleanup) return start_sftp_cleanup();
    release_legs();
  }

  // The probe holds no target connection any more (through jump hosts, their goodbyes are queued):
  // its slot of --probe.max-concurrent is free.
  void released() {
    if (!request_.released) return;
    const auto release = std::move(request_.released);
    request_.released = nullptr;
    release();
  }

  // Through jump hosts, the goodbyes after the answer.
  void release_legs() {
    if (hops_.empty()) return;
    CleanupQueue::defer(strand_.get_inner_executor(), [self = shared_from_this()] {
      asio::dispatch(self->strand_, [self] { self->close_legs(); });
    });
  }

  // The SFTP write test's file after a deadline: its CLOSE and REMOVE went out at the deadline;
  // after the answer the probe waits for the server to take them and answer, for kSftpCleanupGrace
  // at most, then lets the connection go as it would have at the deadline. It keeps its slot of
  // --probe.max-concurrent meanwhile (released), and logs the outcome in the exporter's log.
  static constexpr std::chrono::seconds kSftpCleanupGrace{1};

  void start_sftp_cleanup() {
    sftp_cleaning_ = true;
    const unsigned generation = ++timer_generation_;
    deadline_timer_.expires_after(kSftpCleanupGrace);
    deadline_timer_.async_wait([self = shared_from_this(), generation](error_code ec) {
      if (ec || generation != self->timer_generation_) return;
      self->end_sftp_cleanup("no answer within 1s of the deadline");
    });
    step_sftp_cleanup();
  }

  void step_sftp_cleanup() {
    if (!sftp_cleaning_) return;
    switch (sftp_->cleanup_step()) {
      case CommandsPhase::Next::wait_socket:
        return conn().when_ready([self = shared_from_this()](error_code ec) {
          if (!self->sftp_cleaning_) return;
          if (ec) return self->end_sftp_cleanup("socket wait: " + ec.message());
          self->step_sftp_cleanup();
        });
      case CommandsPhase::Next::run_soon:
        return asio::post(strand_, [self = shared_from_this()] { self->step_sftp_cleanup(); });
      case CommandsPhase::Next::ended: return end_sftp_cleanup("the SFTP conversation ended");
    }
  }

  // `unanswered`: why, if the server did not answer the REMOVE. Only an answered REMOVE proves the
  // session sound: then it says goodbye; otherwise (a lost connection, a protocol error, silence)
  // the socket just closes.
  void end_sftp_cleanup(std::string_view unanswered) {
    if (!sftp_cleaning_) return;
    sftp_cleaning_ = false;
    ++timer_generation_;
    deadline_timer_.cancel();
    const SftpRunner::CleanupOutcome outcome = sftp_->cleanup_outcome();
    sftp_->give_up_cleanup();  // its channel goes before the session
    log_cleanup(outcome, unanswered);
    if (hops_.empty()) {
      if (outcome.answered) connection_.session().disconnect();
      connection_.close();
    } else {
      release_legs();
    }
    released();
  }

  // The removal's outcome, in the exporter's log: the probe's own log went with the answer.
  void log_cleanup(const SftpRunner::CleanupOutcome& outcome, std::string_view unanswered) const {
    if (!request_.log_after_answer) return;
    std::vector<LogField> fields{{"module", module_.name}, {"target", request_.target_text}, {"file", outcome.file}};
    if (outcome.removed) {
      request_.log_after_answer(LogLevel::debug, "sftp temporary file removed after the answer", fields);
      return;
    }
    fields.emplace_back("err", outcome.detail.empty() ? std::string(unanswered) : outcome.detail);
    request_.log_after_answer(LogLevel::info, "sftp temporary file may remain", fields);
  }

  // After the answer, from the loop's cleanup queue (one probe's goodbyes per turn, so that they
  // delay no other probe's deadline): the target's leg, whose stream ends at the last hop's relay,
  // then the hops.
  void close_legs() {
    connection_.close();
    close_hops();
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
  std::vector<std::unique_ptr<Hop>> hops_;  // the module's jump_chain, in order
  std::size_t leg_ = 0;                     // the hop in progress; hops_.size(): the target
  HopPhase hop_phase_ = HopPhase::connect;
  Clock::time_point hop_phase_start_;
  bool hop_phase_started_ = false;
  bool resolving_hop_ = false;  // the exporter is resolving the first hop's name
  // Declared before the phases that use its session: destroyed after them.
  Connection connection_;
  Authentication authentication_;
  std::unique_ptr<CommandsPhase> commands_;
  ForwardChecks forwards_;
  std::optional<SftpRunner> sftp_;  // when the module has an sftp table
  ProbeReport report_;
  Phase phase_ = Phase::resolve;
  Clock::time_point phase_start_;
  bool phase_started_ = false;
  bool finished_ = false;
  bool sftp_cleaning_ = false;  // after the answer: the SFTP write test's file is being removed
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
