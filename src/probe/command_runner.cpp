#include "probe/command_runner.hpp"

namespace spe {

CommandRunner::Clock::time_point CommandRunner::start_next(SshSession& session, Clock::time_point probe_deadline) {
  const auto deadline = begin(probe_deadline);
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
  channel_.reset();
  record();
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
  stderr_head_ = channel_->stderr_head();
  channel_.reset();
  record();
}

}  // namespace spe
