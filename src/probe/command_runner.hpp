// The commands phase of a probe: each configured command on a channel of its own, one after
// another, its output gathered and judged (evaluate_command) and its report filled in. A failed
// command does not stop the others; the first failure is the probe's reason. Holds the state of
// the command running now; the probe owns the session, the deadline timer and the waiting.
// Not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/model.hpp"
#include "probe/command_check.hpp"
#include "probe/probe_log.hpp"
#include "probe/report.hpp"
#include "probe/ssh_handle.hpp"
#include "util/result.hpp"

namespace spe {

class CommandRunner {
 public:
  using Clock = std::chrono::steady_clock;

  enum class Next {
    wait_socket,  // wait until libssh can make progress, then call step again
    run_soon,     // output is left to read: call step again after the handlers already queued
    ended,        // the command ended and is recorded
  };

  // Every one of `commands` is reported, run or not, so its series exist on every path.
  // `commands` and `log` must outlive this.
  CommandRunner(const std::vector<Command>& commands, ProbeLog& log);

  // No command is running and none is left to start.
  bool all_done() const { return !running() && next_command_ >= commands_.size(); }
  // A command's channel is open (or opening).
  bool running() const { return channel_ != nullptr; }

  // Starts the next command on a new channel of `session` (which must outlive the command) and
  // returns its deadline: its own timeout, if it has one that ends before `probe_deadline`.
  Clock::time_point start_next(SshSession& session, Clock::time_point probe_deadline);

  // One non-blocking step of the running command: wait until the server has closed the previous
  // command's channel (a server at MaxSessions refuses a new one before), open its channel, start
  // it, read its output. A channel error ends the command (logged; its verdict says what arrived;
  // a refusal by the server is reason channel, once a second open right after the previous
  // command's close was refused too).
  Next step();

  // The running command's deadline passed: it is stopped (signal KILL), closed and recorded.
  void time_out();

  // The probe fails: a command running is recorded as it stands (timed out when `error` is
  // deadline_exceeded), and every channel is freed, without a word to the server. Call before the
  // session is disconnected or freed.
  void abandon(const Error& error);

  // The first failed command's reason and one-line detail.
  const std::optional<std::pair<FailureReason, std::string>>& failure() const { return failure_; }

  // The reports of all commands, in configured order; called once, when the probe ends.
  std::vector<CommandReport> take_reports() { return std::move(reports_); }

 private:
  enum class Stage { previous_close, open, exec, read };

  const Command& current() const { return commands_[next_command_]; }
  Next failed(const Error& error);
  void end();
  void record(CommandVerdict verdict);

  const std::vector<Command>& commands_;
  ProbeLog& log_;
  std::vector<CommandReport> reports_;
  std::unique_ptr<SshChannel> channel_;
  // The previous command's channel, closed on our side, until the server's close arrives; only
  // while a command follows it.
  std::unique_ptr<SshChannel> closing_;
  Stage stage_ = Stage::open;
  SshSession* session_ = nullptr;  // of the running command
  bool closed_one_ = false;        // a command's channel was open and has been closed
  bool reopen_ = false;            // the running command may open its channel once more
  std::size_t next_command_ = 0;   // the running command, or the next to start
  Clock::time_point command_start_;
  CommandOutcome outcome_;
  std::size_t received_ = 0;  // stdout bytes received, kept or not
  std::optional<std::pair<FailureReason, std::string>> failure_;
  DerivedMetrics derived_metrics_;  // what the commands run so far derived, for clashes
};

}  // namespace spe
