// ProbeReport: what one probe found, as plain data. The prober fills it; metrics/from_report turns
// it into metric families. No I/O types here, so every metric path is testable without a socket.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metric_model/model.hpp"
#include "util/result.hpp"

namespace spe {

// In the order a probe goes through them.
enum class Phase { resolve, connect, handshake, host_key, auth, commands, sftp };
inline constexpr std::size_t kPhaseCount = 7;
inline constexpr std::array<Phase, kPhaseCount> kAllPhases = {Phase::resolve,  Phase::connect, Phase::handshake,
                                                              Phase::host_key, Phase::auth,    Phase::commands,
                                                              Phase::sftp};

constexpr std::string_view to_string(Phase phase) {
  switch (phase) {
    case Phase::resolve: return "resolve";
    case Phase::connect: return "connect";
    case Phase::handshake: return "handshake";
    case Phase::host_key: return "host_key";
    case Phase::auth: return "auth";
    case Phase::commands: return "commands";
    case Phase::sftp: return "sftp";
  }
  return "internal";
}

// The values of probe_ssh_failure{reason}; every one is emitted on every probe.
enum class FailureReason {
  resolve,
  connect,
  timeout,
  handshake,
  host_key,
  auth,
  command_exit,
  command_output,
  internal,
  forward,  // a jump host refused or failed to open the channel onward
  channel,  // the server refused to open a session channel or to run the command
  sftp,     // the SFTP check failed: the subsystem refused, an SFTP status, a bad reply, too little space
};
inline constexpr std::size_t kFailureReasonCount = 12;
inline constexpr std::array<FailureReason, kFailureReasonCount> kAllFailureReasons = {
    FailureReason::resolve,  FailureReason::connect, FailureReason::timeout,      FailureReason::handshake,
    FailureReason::host_key, FailureReason::auth,    FailureReason::command_exit, FailureReason::command_output,
    FailureReason::internal, FailureReason::forward, FailureReason::channel,      FailureReason::sftp};

constexpr std::string_view to_string(FailureReason reason) {
  switch (reason) {
    case FailureReason::resolve: return "resolve";
    case FailureReason::connect: return "connect";
    case FailureReason::timeout: return "timeout";
    case FailureReason::handshake: return "handshake";
    case FailureReason::host_key: return "host_key";
    case FailureReason::auth: return "auth";
    case FailureReason::command_exit: return "command_exit";
    case FailureReason::command_output: return "command_output";
    case FailureReason::internal: return "internal";
    case FailureReason::forward: return "forward";
    case FailureReason::channel: return "channel";
    case FailureReason::sftp: return "sftp";
  }
  return "internal";
}

// The reason for an error met in `phase`: a deadline is always "timeout", an internal error is
// "internal", anything else is named after the phase it happened in.
constexpr FailureReason failure_reason(Phase phase, ErrorCode code) {
  if (code == ErrorCode::deadline_exceeded) return FailureReason::timeout;
  if (code == ErrorCode::internal) return FailureReason::internal;
  switch (phase) {
    case Phase::resolve: return FailureReason::resolve;
    case Phase::connect: return FailureReason::connect;
    case Phase::handshake: return FailureReason::handshake;
    case Phase::host_key: return FailureReason::host_key;
    case Phase::auth: return FailureReason::auth;
    case Phase::commands: return FailureReason::command_exit;
    case Phase::sftp: return FailureReason::sftp;
  }
  return FailureReason::internal;
}

// The phases of one jump host, in order (label values of probe_ssh_hop_duration_seconds{phase}).
// forward opens the channel from this hop to the next hop or the target.
enum class HopPhase { connect, handshake, host_key, auth, forward };
inline constexpr std::size_t kHopPhaseCount = 5;
inline constexpr std::array<HopPhase, kHopPhaseCount> kAllHopPhases = {HopPhase::connect, HopPhase::handshake,
                                                                       HopPhase::host_key, HopPhase::auth,
                                                                       HopPhase::forward};

constexpr std::string_view to_string(HopPhase phase) {
  switch (phase) {
    case HopPhase::connect: return "connect";
    case HopPhase::handshake: return "handshake";
    case HopPhase::host_key: return "host_key";
    case HopPhase::auth: return "auth";
    case HopPhase::forward: return "forward";
  }
  return "internal";
}

// The reason for an error met at a jump host in `phase`: as failure_reason for the phases a target
// has too, and forward for the channel onward.
constexpr FailureReason hop_failure_reason(HopPhase phase, ErrorCode code) {
  if (code == ErrorCode::deadline_exceeded) return FailureReason::timeout;
  if (code == ErrorCode::internal) return FailureReason::internal;
  switch (phase) {
    case HopPhase::connect: return FailureReason::connect;
    case HopPhase::handshake: return FailureReason::handshake;
    case HopPhase::host_key: return FailureReason::host_key;
    case HopPhase::auth: return FailureReason::auth;
    case HopPhase::forward: return FailureReason::forward;
  }
  return FailureReason::internal;
}

// What the server said during the handshake (label values of probe_ssh_server_info).
struct ServerInfo {
  std::string banner;    // e.g. "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"
  std::string software;  // e.g. "OpenSSH_9.2p1"
  std::string kex;
  std::string cipher;
  std::string mac;
};

// The banner without its comment: "SSH-2.0-OpenSSH_9.2p1 Debian-2" -> "SSH-2.0-OpenSSH_9.2p1" (RFC 4253:
// the comment follows the first space).
constexpr std::string_view banner_without_comment(std::string_view banner) {
  return banner.substr(0, banner.find(' '));
}

struct HostKeyInfo {
  std::string type;                // e.g. "ssh-ed25519"
  std::string fingerprint_sha256;  // "SHA256:..." as ssh-keygen -lf prints it
};

// One line of a probe's own log (what debug=true and /logs show): when, and key=value fields,
// the first being msg. Never holds a secret.
struct ProbeLogLine {
  std::chrono::nanoseconds elapsed{0};  // since the probe started
  std::string level;                    // "debug", "info", ...
  std::vector<std::pair<std::string, std::string>> fields;
};

// What one command did.
struct CommandReport {
  std::string name;
  std::optional<int> exit_status;  // nullopt when none arrived (killed, timed out)
  std::string exit_signal;         // "TERM", "KILL", ... when killed by a signal
  std::chrono::nanoseconds duration{0};
  bool success = false;                        // exit status as expected and expectations met
  bool output_truncated = false;               // stdout passed max_output_bytes
  std::size_t output_bytes = 0;                // stdout bytes received (kept up to the cap)
  std::vector<metrics::MetricFamily> derived;  // the module's gauges from this output
};

// The steps of a module's SFTP check, in order (label values of probe_sftp_duration_seconds{op}).
enum class SftpOp { init, realpath, stat, list, write, read, remove, statvfs };
inline constexpr std::size_t kSftpOpCount = 8;
inline constexpr std::array<SftpOp, kSftpOpCount> kAllSftpOps = {SftpOp::init,   SftpOp::realpath, SftpOp::stat,
                                                                 SftpOp::list,   SftpOp::write,    SftpOp::read,
                                                                 SftpOp::remove, SftpOp::statvfs};

constexpr std::string_view to_string(SftpOp op) {
  switch (op) {
    case SftpOp::init: return "init";
    case SftpOp::realpath: return "realpath";
    case SftpOp::stat: return "stat";
    case SftpOp::list: return "list";
    case SftpOp::write: return "write";
    case SftpOp::read: return "read";
    case SftpOp::remove: return "remove";
    case SftpOp::statvfs: return "statvfs";
  }
  return "internal";
}

// What a module's SFTP check found; present in the report of every probe of a module with an
// sftp table, reached or not.
struct SftpReport {
  using Duration = std::chrono::nanoseconds;

  bool success = false;
  std::array<std::optional<Duration>, kSftpOpCount> op_durations{};  // unset: not run
  std::optional<std::uint64_t> directory_entries;                    // once the directory was read
  std::optional<std::uint64_t> filesystem_avail_bytes;               // once statvfs answered
  std::optional<std::uint64_t> filesystem_size_bytes;

  void set_op_duration(SftpOp op, Duration elapsed) { op_durations[static_cast<std::size_t>(op)] = elapsed; }
  std::optional<Duration> op_duration(SftpOp op) const { return op_durations[static_cast<std::size_t>(op)]; }
};

// What one jump host of the module's chain did in this probe.
struct HopReport {
  using Duration = std::chrono::nanoseconds;

  std::string name;      // [jump_hosts.NAME]
  bool success = false;  // reached, host key accepted, logged in, and the channel onward opened
  std::array<std::optional<Duration>, kHopPhaseCount> phase_durations{};  // unset: not reached
  std::optional<HostKeyInfo> host_key;                                    // once its handshake completed

  void set_phase_duration(HopPhase phase, Duration elapsed) {
    phase_durations[static_cast<std::size_t>(phase)] = elapsed;
  }
  std::optional<Duration> phase_duration(HopPhase phase) const {
    return phase_durations[static_cast<std::size_t>(phase)];
  }
};

struct ProbeReport {
  using Duration = std::chrono::nanoseconds;

  std::string module;
  std::string target;
  bool success = false;
  std::optional<FailureReason> failure;  // set exactly when !success
  std::string failure_message;           // one line, no secrets
  Phase last_phase = Phase::resolve;     // the phase reached (or failed in)

  Duration duration{0};                      // whole probe
  std::chrono::duration<double> timeout{0};  // the effective timeout, in seconds
  std::array<std::optional<Duration>, kPhaseCount> phase_durations{};
  std::optional<Duration> dns_lookup;  // zero for an IP literal
  int ip_protocol = 0;                 // 4 or 6 once an address was chosen, else 0

  std::optional<ServerInfo> server;                // once the handshake completed
  std::optional<HostKeyInfo> host_key;             // once the server's key was seen
  std::optional<std::int64_t> certificate_expiry;  // Unix seconds, when a user cert was used

  // Through jump hosts: one per hop of the module's chain, in order, reached or not (empty for a
  // direct probe). The target's resolve phase does not apply then (the last hop resolves its
  // name), and its connect phase lasts until the stream to the target is open: every hop's phases
  // and the last forward.
  std::vector<HopReport> hops;
  std::optional<std::size_t> failed_hop;  // index into hops when the probe failed at a hop

  std::vector<CommandReport> commands;  // in the order run; only commands that started
  std::optional<SftpReport> sftp;       // exactly when the module has an sftp table
  std::vector<ProbeLogLine> log;

  void set_phase_duration(Phase phase, Duration elapsed) {
    phase_durations[static_cast<std::size_t>(phase)] = elapsed;
  }
  std::optional<Duration> phase_duration(Phase phase) const {
    return phase_durations[static_cast<std::size_t>(phase)];
  }
};

}  // namespace spe
