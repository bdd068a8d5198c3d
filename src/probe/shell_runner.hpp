// The commands phase of a shell session (session = "shell"), for devices that refuse exec: one
// session channel with a pty and a shell per probe. It waits for the first prompt, types each
// setup command and discards its output, then types each command; a command's output is what
// arrives between its echo and the next prompt (terminal controls removed: parse/terminal_text).
// The first command's timeout also covers opening the shell and the setup commands. A command
// whose prompt does not come back by its deadline times out; the shell's state is then unknown,
// so the commands after it are not run. Not thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "probe/commands_phase.hpp"

namespace spe {

class ShellRunner final : public CommandsPhase {
 public:
  // `session` (the module's) and `log` must outlive this.
  ShellRunner(const Module& module, ProbeLog& log);

  bool running() const override { return running_; }

  // The first start opens the shell on a channel of `session`; later ones type into it.
  Clock::time_point start_next(SshSession& session, Clock::time_point probe_deadline) override;

  Next step() override;

  // The running command is recorded as timed out, the shell closed, the commands after it not run.
  void time_out() override;

  void abandon(const Error& error) override;

 private:
  enum class Stage { open, pty, shell, first_prompt, write, prompt };

  // Moves to typing `line` (a setup command or the command), or to the command when setup is done.
  void type_next();
  Result<Progress> write_line();
  // Reads what arrived; true once the prompt ends it. Sets more_ when the read budget ran out.
  Result<bool> read_to_prompt();
  void keep(std::string_view bytes);
  Next refused(const Error& error);
  Next shell_lost(const Error& error);
  void end_command();
  void close_shell();

  const Session& session_;
  std::optional<SshChannel> channel_;
  Stage stage_ = Stage::open;
  bool running_ = false;
  std::size_t setup_done_ = 0;  // setup commands typed and answered
  bool typing_setup_ = false;   // the line being typed or answered is a setup command
  std::string line_;            // the line being typed, "\n" included
  std::size_t line_written_ = 0;
  bool more_ = false;

  // What arrived since the line was typed (or the shell opened): the first max_output_bytes of it
  // (kept_), its last bytes (tail_, where the prompt is looked for) and how much in all.
  std::string incoming_;
  std::string kept_;
  std::size_t cap_ = 0;
  std::string tail_;
  std::size_t arrived_ = 0;
  bool line_ended_ = false;  // a "\n" arrived: the echo of the typed line is complete
};

}  // namespace spe
