// The forwards phase: the module's checks through the target ([[modules.NAME.forwards]]), one after another on the
// target's session once the commands are done. Each asks the target for a direct-tcpip channel to its host:port
// (probe/forward_channel.hpp), writes its `send`, and reads until its `expect` matches, the stream ends, or
// kForwardReadCap bytes came. Every forward runs, whatever the ones before found; the first failure is the
// probe's (reason forward). The probe owns the session, the deadline timer and the waiting. Not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "config/model.hpp"
#include "probe/forward_channel.hpp"
#include "probe/probe_log.hpp"
#include "probe/report.hpp"
#include "probe/ssh_handle.hpp"
#include "util/result.hpp"

namespace spe {

// The most bytes a forward reads while it waits for its expect to match.
inline constexpr std::size_t kForwardReadCap = 4096;

class ForwardChecks {
 public:
  using Clock = std::chrono::steady_clock;

  enum class Next {
    wait_socket,  // wait until libssh can make progress, then call step again
    ended,        // the forward has its verdict and is recorded
  };

  // `forwards` and `log` must outlive this.
  ForwardChecks(const std::vector<Forward>& forwards, ProbeLog& log);

  // A forward is running (started and not yet recorded).
  bool running() const { return channel_.has_value(); }
  // No forward is running and none is left to start.
  bool all_done() const { return !running() && next_ >= forwards_.size(); }

  // Starts the next forward over `session` (which must outlive the channel) and returns its deadline: its own
  // timeout, if it ends before `probe_deadline`.
  Clock::time_point start_next(SshSession& session, Clock::time_point probe_deadline);

  // One non-blocking step of the running forward.
  Next step();

  // The running forward's own timeout passed: it fails, and is recorded.
  void time_out();

  // The probe fails: a forward running is recorded as failed with `error`, and its channel freed. Called whether
  // or not a forward runs, before the session is disconnected or freed.
  void abandon(const Error& error);

  // The first failed forward's one-line detail ("forward NAME: ...").
  const std::optional<std::string>& failure() const { return failure_; }

  // One report per configured forward, in order; called once, when the probe ends.
  std::vector<ForwardReport> take_reports() { return std::move(reports_); }

 private:
  enum class Stage { open, send, read };

  const Forward& current() const { return forwards_[next_]; }
  std::string destination() const;
  // Records the running forward's verdict (`problem` empty: success) and frees its channel.
  void end(const std::string& problem);

  const std::vector<Forward>& forwards_;
  ProbeLog& log_;
  std::vector<ForwardReport> reports_;
  std::optional<std::string> failure_;
  std::size_t next_ = 0;  // the running forward, or the next to start
  std::optional<ForwardChannel> channel_;
  Stage stage_ = Stage::open;
  std::size_t sent_ = 0;
  std::string received_;  // at most kForwardReadCap bytes
  Clock::time_point start_;
};

}  // namespace spe
