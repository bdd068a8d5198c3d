// The commands phase of an exec session: each configured command on a channel of its own, one
// after another, its output gathered and judged (evaluate_command) and its report filled in. A
// failed command does not stop the others; the first failure is the probe's reason. Holds the
// state of the command running now. Not thread-safe.
#pragma once

#include <optional>
#include <vector>

#include "probe/commands_phase.hpp"

namespace spe {

class CommandRunner final : public CommandsPhase {
 public:
  // Every one of `commands` is reported, run or not. `commands` and `log` must outlive this.
  CommandRunner(const std::vector<Command>& commands, ProbeLog& log) : CommandsPhase(commands, log) {}

  // A command's channel is open (or opening).
  bool running() const override { return channel_.has_value(); }

  // Starts the next command on a new channel of `session`.
  Clock::time_point start_next(SshSession& session, Clock::time_point probe_deadline) override;

  // One non-blocking step of the running command: open its channel, start it, read its output.
  // A channel error ends the command (logged; its verdict says what arrived).
  Next step() override;

  // The running command is stopped (signal KILL), closed and recorded.
  void time_out() override;

  void abandon(const Error& error) override;

 private:
  enum class Stage { open, exec, read };

  Next failed(const Error& error);
  void end();

  std::optional<SshChannel> channel_;
  Stage stage_ = Stage::open;
};

}  // namespace spe
