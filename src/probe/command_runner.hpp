// The commands phase of an exec session: each configured command on a channel of its own, one
// after another, its output gathered and judged (evaluate_command) and its report filled in. A
// failed command does not stop the others; the first failure is the probe's reason. Holds the
// state of the command running now. Not thread-safe.
#pragma once

#include <memory>
#include <vector>

#include "probe/commands_phase.hpp"

namespace spe {

class CommandRunner final : public CommandsPhase {
 public:
  // Every one of `commands` is reported, run or not. `commands` and `log` must outlive this.
  CommandRunner(const std::vector<Command>& commands, ProbeLog& log) : CommandsPhase(commands, log) {}

  // A command's channel is open (or opening).
  bool running() const override { return channel_ != nullptr; }

  // Starts the next command on a new channel of `session`.
  Clock::time_point start_next(SshSession& session, Clock::time_point probe_deadline) override;

  // One non-blocking step of the running command: open its channel, start it, read its output.
  // A server at MaxSessions refuses a channel until the previous command's is closed on both
  // sides: after such a refusal the step waits for that close and opens once more. A channel
  // error ends the command (logged; its verdict says what arrived; a refusal by the server is
  // reason channel, once the second open was refused too).
  Next step() override;

  // The running command is stopped (signal KILL), closed and recorded.
  void time_out() override;

  // Also frees the previous command's channel when no command runs.
  void abandon(const Error& error) override;

 private:
  enum class Stage { previous_close, open, exec, read };

  Next failed(const Error& error);
  void end();

  std::unique_ptr<SshChannel> channel_;
  // The previous command's channel, closed on our side, until the server's close arrives; only
  // while a command follows it.
  std::unique_ptr<SshChannel> closing_;
  Stage stage_ = Stage::open;
  SshSession* session_ = nullptr;  // of the running command
  bool closed_one_ = false;        // a command's channel was open and has been closed
  bool reopen_ = false;            // the running command may open its channel once more
};

}  // namespace spe
