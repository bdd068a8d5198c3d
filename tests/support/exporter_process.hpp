// The real exporter binary (SPE_BINARY) as a child process of the test, listening on 127.0.0.1:<ephemeral>.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/temp_dir.hpp"

namespace spe::test {

// Starts `SPE_BINARY --config.file <config_path> --web.listen-address 127.0.0.1:0 --log.level debug <extra_args>`
// (without `--log.level debug` when extra_args has a --log.level of its own)
// with stdout and stderr going to a log file, and waits (15 s at most) for the log line with msg=listening,
// whose address=127.0.0.1:PORT gives port(). Throws std::runtime_error with the log if the exporter exits or does
// not listen in time. Start it from the main thread: the child is bound to the starting thread's lifetime.
// The destructor stops it (SIGTERM, then SIGKILL after 10 s). Not thread-safe; one owner.
// With fd_limit, the exporter runs with RLIMIT_NOFILE soft and hard set to it (by prlimit(1), before exec).
// With hosts_file, it runs in a mount namespace of its own in which that file is /etc/hosts (unshare(1) and a bind
// mount, before exec: needs root), so that a test can give a name the loopback addresses it wants.
// With binary, that program runs instead of SPE_BINARY (the one a Debian package installs, say).
class ExporterProcess {
 public:
  explicit ExporterProcess(const std::string& config_path, std::vector<std::string> extra_args = {},
                           std::optional<unsigned long> fd_limit = std::nullopt, const std::string& hosts_file = "",
                           const std::string& binary = "");
  ~ExporterProcess();
  ExporterProcess(const ExporterProcess&) = delete;
  ExporterProcess& operator=(const ExporterProcess&) = delete;

  unsigned short port() const { return port_; }
  pid_t pid() const { return pid_; }

  std::string log() const;       // everything it wrote to stdout and stderr so far
  std::size_t log_size() const;  // for log_since / wait_for_log offsets
  std::string log_since(std::size_t offset) const;
  // True once text appears in the log after offset; false if it did not within timeout.
  bool wait_for_log(std::string_view text, std::chrono::milliseconds timeout, std::size_t offset = 0) const;

  bool running();                          // false once it has exited (it is reaped then)
  std::optional<int> exit_status() const;  // set once reaped: exit code, or 128 + signal
  long peak_rss_kb() const;                // VmHWM from /proc/PID/status; -1 if unavailable
  long rss_kb() const;                     // VmRSS
  std::size_t open_fds() const;            // entries of /proc/PID/fd
  double cpu_seconds() const;              // user + system CPU time so far, from /proc/PID/stat; -1 if unavailable
  void reload();                           // SIGHUP
  // SIGTERM, then waits up to grace (SIGKILL after it); returns the exit status. Idempotent.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds{10});

  // Runs the binary to completion with args (no config added), e.g. {"--version"}; 30 s at most.
  static CommandResult run_binary(std::vector<std::string> args);
  static std::string binary_path();

 private:
  long status_field_kb(std::string_view field) const;

  TempDir dir_{"spe-exporter"};
  pid_t pid_ = -1;
  unsigned short port_ = 0;
  std::optional<int> exit_status_;
};

}  // namespace spe::test
