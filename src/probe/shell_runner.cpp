#include "probe/shell_runner.hpp"

#include <algorithm>
#include <limits>

#include "parse/terminal_text.hpp"

namespace spe {
namespace {

// How much of the end of a shell's output is kept to look for the prompt in: the longest prompt
// line and the "\n" before it, at least; trimmed back to that once it holds twice as much.
constexpr std::size_t kTailKeep = kPromptLineBytes + 1;

}  // namespace

ShellRunner::ShellRunner(const Module& module, ProbeLog& log)
    : CommandsPhase(module.commands, log), session_(module.session) {}

ShellRunner::Clock::time_point ShellRunner::start_next(SshSession& session, Clock::time_point probe_deadline) {
  const auto deadline = begin(probe_deadline);
  outcome_.shell = true;
  running_ = true;
  if (channel_) {
    type_next();
  } else {
    channel_.emplace(session);
    stage_ = Stage::open;
  }
  return deadline;
}

void ShellRunner::type_next() {
  typing_setup_ = setup_done_ < session_.setup_commands.size();
  line_ = (typing_setup_ ? session_.setup_commands[setup_done_] : current().command) + "\n";
  line_written_ = 0;
  // A setup command's output is discarded: only its end is kept, to find the prompt.
  cap_ = typing_setup_ ? 0 : current().max_output_bytes;
  kept_.clear();
  tail_.clear();
  arrived_ = 0;
  line_ended_ = false;
  stage_ = Stage::write;
}

ShellRunner::Next ShellRunner::step() {
  for (;;) {
    switch (stage_) {
      case Stage::open:
      case Stage::pty:
      case Stage::shell: {
        const auto progress = stage_ == Stage::open  ? channel_->open()
                              : stage_ == Stage::pty ? channel_->request_pty()
                                                     : channel_->request_shell();
        if (!progress) return refused(progress.error());
        if (*progress == Progress::again) return Next::wait_socket;
        stage_ = stage_ == Stage::open ? Stage::pty : stage_ == Stage::pty ? Stage::shell : Stage::first_prompt;
        break;
      }
      case Stage::write: {
        const auto progress = write_line();
        if (!progress) return shell_lost(progress.error());
        if (*progress == Progress::again) return Next::wait_socket;
        stage_ = Stage::prompt;
        break;
      }
      case Stage::first_prompt:
      case Stage::prompt: {
        const auto found = read_to_prompt();
        if (!found) return shell_lost(found.error());
        if (!*found) {
          if (more_) return Next::run_soon;
          if (channel_->at_end()) return shell_lost(Error{ErrorCode::unavailable, "the shell closed", std::nullopt});
          return Next::wait_socket;
        }
        if (stage_ == Stage::prompt && !typing_setup_) {
          end_command();
          return Next::ended;
        }
        if (stage_ == Stage::prompt) {
          log_.add("debug", "setup command done", {{"setup_command", session_.setup_commands[setup_done_]}});
          ++setup_done_;
        }
        type_next();
        break;
      }
    }
  }
}

Result<Progress> ShellRunner::write_line() {
  const auto written = channel_->write(line_.data() + line_written_, line_.size() - line_written_);
  if (!written) return std::unexpected(written.error());
  line_written_ += *written;
  return line_written_ == line_.size() ? Progress::done : Progress::again;
}

Result<bool> ShellRunner::read_to_prompt() {
  incoming_.clear();
  const auto read = channel_->read_available(incoming_, std::numeric_limits<std::size_t>::max());
  if (!read) return std::unexpected(read.error());
  more_ = read->more;
  if (incoming_.empty()) return false;
  keep(incoming_);
  // Until the echo of the typed line has ended, the last line is that echo, not a prompt.
  if (stage_ == Stage::prompt && !line_ended_) return false;
  return ends_with_prompt(tail_, tail_.size() == arrived_, *session_.prompt_at_end);
}

void ShellRunner::keep(std::string_view bytes) {
  arrived_ += bytes.size();
  if (cap_ > 0) {
    received_ += bytes.size();
    kept_.append(bytes.substr(0, cap_ - std::min(cap_, kept_.size())));
    if (arrived_ > cap_) outcome_.truncated = true;
  }
  if (bytes.find('\n') != std::string_view::npos) line_ended_ = true;
  tail_.append(bytes.substr(bytes.size() - std::min(bytes.size(), 2 * kTailKeep)));
  if (tail_.size() > 2 * kTailKeep) tail_.erase(0, tail_.size() - kTailKeep);
}

ShellRunner::Next ShellRunner::refused(const Error& error) {
  log_.add("debug", "shell refused", {{"err", error.message}});
  running_ = false;
  close_shell();
  fail_unrun(FailureReason::command_exit, error.message);
  return Next::ended;
}

ShellRunner::Next ShellRunner::shell_lost(const Error& error) {
  log_.add("debug", "shell failed", {{"command", current().name}, {"err", error.message}});
  running_ = false;
  close_shell();
  if ((stage_ == Stage::write || stage_ == Stage::prompt) && !typing_setup_) {
    record();  // the command was typed: its verdict says the prompt did not come back
  }
  const std::string before = stage_ == Stage::first_prompt ? "its first prompt"
                             : typing_setup_               ? "the prompt came back after setup command \"" +
                                                   session_.setup_commands[setup_done_] + "\""
                                             : "the prompt came back";
  fail_unrun(FailureReason::command_exit, "the shell closed before " + before + ": " + error.message);
  return Next::ended;
}

void ShellRunner::end_command() {
  outcome_.prompt_returned = true;
  outcome_.output = shell_command_output(kept_, current().command, !outcome_.truncated);
  running_ = false;
  record();
  if (next_command_ >= commands_.size()) close_shell();
}

void ShellRunner::time_out() {
  // The last line that arrived says why, most often: a pager's "--More--", or a prompt the
  // configured pattern does not match.
  const std::size_t newline = tail_.rfind('\n');
  std::string last_line = strip_terminal_controls(newline == std::string::npos ? tail_ : tail_.substr(newline + 1));
  if (last_line.size() > 120) last_line.resize(120);
  log_.add("debug", "no prompt in time", {{"command", current().name}, {"last_line", std::move(last_line)}});
  outcome_.timed_out = true;
  running_ = false;
  close_shell();
  record();
  fail_unrun(FailureReason::timeout, "");
}

void ShellRunner::abandon(const Error& error) {
  channel_.reset();
  if (!running_) return;  // between commands: only the shell to free
  outcome_.timed_out = error.code == ErrorCode::deadline_exceeded;
  running_ = false;
  record();
}

void ShellRunner::close_shell() {
  if (!channel_) return;
  channel_->close();
  channel_.reset();
}

}  // namespace spe
