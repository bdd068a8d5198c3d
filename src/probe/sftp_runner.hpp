// The SFTP phase of a probe: SFTP version 3 spoken over a session channel with the "sftp" subsystem
// (libssh 0.10's own SFTP API blocks: docs/libssh.md, "SFTP"), one request at a time: INIT, REALPATH
// of the configured path, STAT of it, then what the module's [sftp] table asks: the directory read,
// the write test (a temporary file created exclusively, written, read back, compared and removed),
// and statvfs@openssh.com when the server announced it. The packets are parse/sftp_packet.hpp's.
// The probe owns the session, the deadline and the waiting, as for the commands. Not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "config/model.hpp"
#include "parse/sftp_packet.hpp"
#include "probe/commands_phase.hpp"
#include "probe/probe_log.hpp"
#include "probe/report.hpp"
#include "probe/ssh_handle.hpp"
#include "util/result.hpp"

namespace spe {

class SftpRunner {
 public:
  using Clock = std::chrono::steady_clock;

  // As a command's step: wait_socket, run_soon (more is buffered), ended (failure() says how).
  using Next = CommandsPhase::Next;

  // The most READDIR requests one directory read may take, and the size of one READ or WRITE.
  static constexpr std::size_t kMaxReaddirRounds = 10000;
  static constexpr std::size_t kChunkBytes = 32 * 1024;
  // What is kept of what the server sent and the probe has not parsed yet: at most a packet and a
  // bit (one request is outstanding at a time, so a well-behaved server never sends more).
  static constexpr std::size_t kInboundCap = sftp::kMaxPacketBytes + 64 * 1024;

  // `check` and `log` must outlive this.
  SftpRunner(const SftpCheck& check, ProbeLog& log);
  ~SftpRunner();
  SftpRunner(const SftpRunner&) = delete;
  SftpRunner& operator=(const SftpRunner&) = delete;

  // Opens the channel over `session` (which must outlive the runner's channel: abandon or finish
  // before it is disconnected).
  void start(SshSession& session);

  // One non-blocking step: as far as the server's answers so far allow, at most a bounded amount of work.
  Next step();

  // The probe fails (its deadline, a lost connection): the check is recorded as it stands and the
  // channel freed, unless the deadline (or a cancel) found the write test's file possibly created and
  // the conversation sound: then CLOSE and REMOVE are queued behind the request in flight and the
  // channel kept, and owes_cleanup() says so.
  void abandon(const Error& error);

  // After the probe's answer: the removal abandon queued is carried on by cleanup_step (as step)
  // until it is answered (ended), or the probe gives up on it (give_up_cleanup frees the channel).
  // Either way the session is the probe's to close afterwards.
  bool owes_cleanup() const { return owes_cleanup_; }
  Next cleanup_step();
  void give_up_cleanup();

  // How the removal abandon queued ended, for the probe to report once its own log is handed over.
  struct CleanupOutcome {
    std::string file;       // printable
    bool answered = false;  // the server answered the REMOVE (the conversation, and the session, are sound)
    bool removed = false;   // OK, or NO_SUCH_FILE (a REMOVE in flight at the deadline took it first)
    std::string detail;     // why it may remain: the status, or what ended the conversation; empty when unknown
  };
  const CleanupOutcome& cleanup_outcome() const { return cleanup_; }

  // Why the check failed, once it ended failing: one line, with the SFTP status name.
  const std::optional<std::string>& failure() const { return failure_; }

  SftpReport take_report() { return std::move(report_); }

 private:
  enum class Stage { open, subsystem, exchange, done };
  // The request awaiting its answer.
  enum class Await {
    version,
    realpath,
    stat,
    opendir,
    readdir,
    closedir,
    open_file,
    write,
    read,
    close_file,
    remove,
    statvfs,
    cleanup_close,
    cleanup_remove,
    none
  };

  void send(std::string packet, Await what);
  std::uint32_t next_id() { return ++last_id_; }
  // Handles one packet's body; false once the check ended.
  void on_packet(std::string_view body);
  void on_reply(const sftp::Reply& reply);
  void on_version(std::string_view body);
  void after_stat();
  void after_list();
  void after_write_test();
  void send_write();
  void send_read();
  void on_statvfs(const sftp::Reply& reply);
  void begin_op(SftpOp op);
  void end_op();
  // The check fails with `detail`: a write test's file is removed first when the conversation can
  // still carry it (not after a protocol violation).
  void fail(std::string detail, bool protocol_broken = false);
  // A STATUS that is not OK, for `what`.
  void fail_status(std::string_view what, const sftp::Reply& reply);
  void finish();
  Next failed_channel(const Error& error);

  const SftpCheck& check_;
  ProbeLog& log_;
  SftpReport report_;
  std::unique_ptr<SshChannel> channel_;
  Stage stage_ = Stage::open;
  Await awaiting_ = Await::none;
  std::uint32_t awaited_id_ = 0;
  std::uint32_t last_id_ = 0;
  std::string outbound_;
  std::string inbound_;
  std::optional<std::string> failure_;
  std::optional<std::string> pending_failure_;  // while the write test's file is removed after a failure

  Clock::time_point op_start_;
  std::optional<SftpOp> op_;
  bool has_statvfs_ = false;
  std::string directory_;  // the absolute path REALPATH answered
  std::size_t readdir_rounds_ = 0;
  std::uint64_t entries_ = 0;
  std::string handle_;        // of the directory or the file open now
  std::string file_;          // the write test's file, once its OPEN was sent
  bool file_exists_ = false;  // OPEN was answered with a handle and no REMOVE has succeeded yet
  bool file_open_sent_ = false;
  bool owes_cleanup_ = false;
  CleanupOutcome cleanup_;
  std::uint64_t seed_ = 0;    // of the write test's bytes
  std::uint64_t offset_ = 0;  // written or read back so far
};

}  // namespace spe
