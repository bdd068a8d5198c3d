#include "probe/command_runner.hpp"

#include <algorithm>

namespace spe {

CommandRunner::CommandRunner(const std::vector<Command>& commands, ProbeLog& log) : commands_(commands), log_(log) {
  for (const Command& command : commands_) reports_.push_back(CommandReport{command.name});
}

CommandRunner::Clock::time_point CommandRunner::start_next(SshSession& session, Clock::time_point probe_deadline) {
  const Command& command = current();
  command_start_ = Clock::now();
  Clock::time_point deadline = probe_deadline;
  if (command.timeout) deadline = std::min(deadline, command_start_ + *command.timeout);
  outcome_ = CommandOutcome{};
  received_ = 0;
  stage_ = Stage::open;
  channel_.emplace(session);
  return deadline;
}

CommandRunner::Next CommandRunner::step() {
  for (;;) {
    switch (stage_) {
      case Stage::open: {
        const auto progress = channel_->open();
        if (!progress) return failed(progress.error());
        if (*progress == Progress::again) return Next::wait_socket;
        stage_ = Stage::exec;
        break;
      }
      case Stage::exec: {
        const auto progress = channel_->exec(current().command);
        if (!progress) return failed(progress.error());
        if (*progress == Progress::again) return Next::wait_socket;
        stage_ = Stage::read;
        break;
      }
      case Stage::read: {
        const auto read = channel_->read_available(outcome_.output, current().max_output_bytes);
        if (!read) return failed(read.error());
        received_ += read->stdout_bytes;
        if (read->truncated) {
          outcome_.truncated = true;
          end();
          return Next::ended;
        }
        if (read->more) return Next::run_soon;
        if (!channel_->finished()) return Next::wait_socket;
        end();
        return Next::ended;
      }
    }
  }
}

void CommandRunner::time_out() {
  outcome_.timed_out = true;
  end();
}

void CommandRunner::abandon(const Error& error) {
  outcome_.timed_out = error.code == ErrorCode::deadline_exceeded;
  record(evaluate_command(current(), outcome_));
  channel_.reset();
  ++next_command_;
}

CommandRunner::Next CommandRunner::failed(const Error& error) {
  log_.add("debug", "command failed", {{"command", current().name}, {"err", error.message}});
  end();
  return Next::ended;
}

void CommandRunner::end() {
  if (!outcome_.truncated && !outcome_.timed_out) {
    outcome_.exit_status = channel_->exit_status();
    outcome_.exit_signal = channel_->exit_signal();
  }
  // A command still running is told to stop; either way the channel closes here.
  if (outcome_.timed_out || outcome_.truncated) channel_->send_signal("KILL");
  channel_->close();
  channel_.reset();
  record(evaluate_command(current(), outcome_));
  ++next_command_;
}

void CommandRunner::record(CommandVerdict verdict) {
  const Command& command = current();
  derived_metrics_.admit(command, verdict);
  CommandReport& entry = reports_[next_command_];
  entry.exit_status = outcome_.exit_status;
  entry.exit_signal = outcome_.exit_signal;
  entry.duration = Clock::now() - command_start_;
  entry.output_truncated = outcome_.truncated;
  entry.output_bytes = received_;
  entry.success = verdict.success;
  entry.derived = std::move(verdict.derived);
  log_.add("debug", "command done",
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
    log_.add("debug", "output left out", {{"command", command.name}, {"detail", std::move(notes)}});
  }
  if (!verdict.success && !failure_) failure_ = {*verdict.failure, verdict.detail};
}

}  // namespace spe
