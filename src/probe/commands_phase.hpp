// The commands phase of a probe as the probe drives it, whichever way the module's commands reach
// the server: each on an exec channel of its own (command_runner.hpp) or typed into one shell
// (shell_runner.hpp). Holds what both share: every command's report, run or not, so its series
// exist on every path; the first failure, which is the probe's reason; the gauges derived so far.
// The probe owns the session, the deadline timer and the waiting. Not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
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

class CommandsPhase {
 public:
  using Clock = std::chrono::steady_clock;

  enum class Next {
    wait_socket,  // wait until libssh can make progress, then call step again
    run_soon,     // output is left to read: call step again after the handlers already queued
    ended,        // the command ended and is recorded
  };

  // `commands` and `log` must outlive this.
  CommandsPhase(const std::vector<Command>& commands, ProbeLog& log);
  virtual ~CommandsPhase() = default;
  CommandsPhase(const CommandsPhase&) = delete;
  CommandsPhase& operator=(const CommandsPhase&) = delete;

  // A command is running (started and not yet recorded).
  virtual bool running() const = 0;
  // No command is running and none is left to start.
  bool all_done() const { return !running() && next_command_ >= commands_.size(); }

  // Starts the next command over `session` (which must outlive the phase) and returns its
  // deadline: its own timeout, if it has one that ends before `probe_deadline`.
  virtual Clock::time_point start_next(SshSession& session, Clock::time_point probe_deadline) = 0;

  // One non-blocking step of the running command.
  virtual Next step() = 0;

  // The running command's deadline passed: it is stopped and recorded as timed out.
  virtual void time_out() = 0;

  // The probe fails: a command running is recorded as it stands (timed out when `error` is
  // deadline_exceeded), and every channel is freed, without a word to the server. Called whether
  // or not a command runs, before the session is disconnected or freed.
  virtual void abandon(const Error& error) = 0;

  // The first failed command's reason and one-line detail.
  const std::optional<std::pair<FailureReason, std::string>>& failure() const { return failure_; }

  // The reports of all commands, in configured order; called once, when the probe ends.
  std::vector<CommandReport> take_reports() { return std::move(reports_); }

 protected:
  const Command& current() const { return commands_[next_command_]; }
  // Resets the running command's outcome and start time; its deadline.
  Clock::time_point begin(Clock::time_point probe_deadline);
  // Judges the running command's outcome, records it and moves on to the next command.
  void record();
  // The phase fails before the running command could run (the commands from it on are not run).
  void fail_unrun(FailureReason reason, std::string detail);

  const std::vector<Command>& commands_;
  ProbeLog& log_;
  std::size_t next_command_ = 0;  // the running command, or the next to start
  CommandOutcome outcome_;
  std::size_t received_ = 0;  // stdout bytes received, kept or not
  std::string stderr_head_;   // the start of stderr, logged when the command fails

 private:
  std::vector<CommandReport> reports_;
  Clock::time_point command_start_;
  std::optional<std::pair<FailureReason, std::string>> failure_;
  DerivedMetrics derived_metrics_;  // what the commands run so far derived, for clashes
};

}  // namespace spe
