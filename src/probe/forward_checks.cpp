#include "probe/forward_checks.hpp"

#include <algorithm>
#include <string_view>

#include <re2/re2.h>

#include "util/duration.hpp"

namespace spe {
namespace {

std::string seconds_text(std::chrono::nanoseconds elapsed) {
  return std::to_string(std::chrono::duration<double>(elapsed).count());
}

}  // namespace

ForwardChecks::ForwardChecks(const std::vector<Forward>& forwards, ProbeLog& log) : forwards_(forwards), log_(log) {
  for (const Forward& forward : forwards_) reports_.push_back(ForwardReport{forward.name});
}

std::string ForwardChecks::destination() const { return current().host + ":" + std::to_string(current().port); }

ForwardChecks::Clock::time_point ForwardChecks::start_next(SshSession& session, Clock::time_point probe_deadline) {
  start_ = Clock::now();
  stage_ = Stage::open;
  sent_ = 0;
  received_.clear();
  channel_.emplace(session, "the target");
  log_.add("debug", "forward opening channel", {{"forward", current().name}, {"to", destination()}});
  if (current().timeout) return std::min(probe_deadline, start_ + *current().timeout);
  return probe_deadline;
}

ForwardChecks::Next ForwardChecks::step() {
  const Forward& forward = current();
  for (;;) {
    switch (stage_) {
      case Stage::open: {
        const auto progress = channel_->open(forward.host, forward.port);
        if (!progress) {
          end(progress.error().message);
          return Next::ended;
        }
        if (*progress == Progress::again) return Next::wait_socket;
        log_.add("debug", "forward channel open", {{"forward", forward.name}, {"to", destination()}});
        stage_ = Stage::send;
        break;
      }
      case Stage::send: {
        if (sent_ < forward.send.size()) {
          const auto written = channel_->write(forward.send.data() + sent_, forward.send.size() - sent_);
          if (!written) {
            end(written.error().message);
            return Next::ended;
          }
          sent_ += *written;
          if (sent_ < forward.send.size()) return Next::wait_socket;  // the window is closed for now
          log_.add("debug", "forward sent", {{"forward", forward.name}, {"bytes", std::to_string(sent_)}});
        }
        if (!forward.expect) {
          end("");
          return Next::ended;
        }
        stage_ = Stage::read;
        break;
      }
      case Stage::read: {
        // Drains what libssh holds (up to the cap) before waiting, so no data sits unread with the socket quiet.
        char buffer[1024];
        const std::size_t room = std::min(sizeof buffer, kForwardReadCap - received_.size());
        const auto read = channel_->read(buffer, room);
        if (!read) {
          end(read.error().message);
          return Next::ended;
        }
        received_.append(buffer, read->bytes);
        if (RE2::PartialMatch(received_, *forward.expect)) {
          end("");
          return Next::ended;
        }
        if (read->eof) {
          end("the stream ended after " + std::to_string(received_.size()) + " bytes without a match for expect");
          return Next::ended;
        }
        if (received_.size() >= kForwardReadCap) {
          end("no match for expect in the first " + std::to_string(kForwardReadCap) + " bytes");
          return Next::ended;
        }
        if (read->bytes == 0) return Next::wait_socket;
        break;
      }
    }
  }
}

void ForwardChecks::time_out() {
  const Forward& forward = current();
  const std::string limit = forward.timeout ? format_duration(*forward.timeout) : "the probe's deadline";
  switch (stage_) {
    case Stage::open: return end("the target did not open a channel to " + destination() + " within " + limit);
    case Stage::send: return end("the send was not written within " + limit);
    case Stage::read:
      return end("no match for expect within " + limit + " (" + std::to_string(received_.size()) + " bytes read)");
  }
}

void ForwardChecks::abandon(const Error& error) {
  if (running()) end(error.message);
}

void ForwardChecks::end(const std::string& problem) {
  const Forward& forward = current();
  ForwardReport& report = reports_[next_];
  report.duration = Clock::now() - start_;
  report.success = problem.empty();
  channel_.reset();  // closes the channel (non-blocking), before the session goes
  LogFields fields{{"forward", forward.name},
                   {"to", destination()},
                   {"bytes_read", std::to_string(received_.size())},
                   {"duration_seconds", seconds_text(report.duration)},
                   {"result", report.success ? "success" : problem}};
  if (!report.success && !received_.empty()) fields.emplace_back("read", first_line(received_));
  log_.add("debug", "forward done", std::move(fields));
  if (!report.success && !failure_) failure_ = "forward " + forward.name + ": " + problem;
  ++next_;
}

}  // namespace spe
