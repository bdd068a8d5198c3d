#include "probe/command_runner.hpp"

namespace spe {

CommandRunner::Clock::time_point CommandRunner::start_next(SshSession& session, Clock::time_point probe_deadline) {
  const auto deadline = begin(probe_deadline);
  stage_ = Stage::open;
  session_ = &session;
  reopen_ = closed_one_;
  channel_ = std::make_unique<SshChannel>(session);
  return deadline;
}

CommandRunner::Next CommandRunner::step() {
  for (;;) {
    switch (stage_) {
      case Stage::previous_close: {
        if (!closing_->closed_by_server()) {
          const auto read = channel_->process_input();
          if (!read) return failed(read.error());
          if (!closing_->closed_by_server()) return Next::wait_socket;
        }
        closing_.reset();
        stage_ = Stage::open;
        break;
      }
      case Stage::open: {
        const auto progress = channel_->open();
        if (!progress && progress.error().code == ErrorCode::permission_denied && reopen_) {
          // OpenSSH frees the previous channel's MaxSessions slot only after the read that brought
          // our CLOSE; an OPEN that came in the same read is refused. The refusal shows the close
          // was read, so a second OPEN finds the slot free (if that was what stood in the way).
          // The previous channel may not be closed on the server's side yet (its command still
          // ending): wait for that first, within this command's deadline.
          reopen_ = false;
          log_.add("debug", "channel refused, opening another",
                   {{"command", current().name}, {"err", progress.error().message}});
          channel_ = std::make_unique<SshChannel>(*session_);
          if (closing_) stage_ = Stage::previous_close;
          break;
        }
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
  closing_.reset();
  if (!running()) return;
  outcome_.timed_out = error.code == ErrorCode::deadline_exceeded;
  channel_.reset();
  record();
}

CommandRunner::Next CommandRunner::failed(const Error& error) {
  log_.add("debug", "command failed", {{"command", current().name}, {"err", error.message}});
  const bool starting = stage_ == Stage::open || stage_ == Stage::exec;
  if (starting && error.code == ErrorCode::permission_denied) outcome_.refused = error.message;
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
  // Kept until the server's close arrives, while commands follow: OpenSSH frees a session's
  // MaxSessions slot only once both sides' CHANNEL_CLOSE are in, so a next channel it refuses is
  // opened again once this one is gone. A channel that never opened leaves the one kept before it.
  const bool was_open = stage_ == Stage::exec || stage_ == Stage::read;
  if (was_open) {
    closed_one_ = true;
    closing_.reset();
    const bool more = next_command_ + 1 < commands_.size();
    if (more && !channel_->closed_by_server()) closing_ = std::move(channel_);
  }
  channel_.reset();
  record();
}

}  // namespace spe
