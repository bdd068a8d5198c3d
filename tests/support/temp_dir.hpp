// Test fixtures for the file system and child processes: a temporary directory removed on destruction, a free
// loopback port, and running a command to completion with its output captured and a hard time limit.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spe::test {

// A fresh directory made by mkdtemp under $TMPDIR (or /tmp), mode 0700, removed recursively by the destructor.
// Not copyable, not movable: the path stays valid for the object's lifetime.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "spe-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes text to path() / relative (missing parent directories made, the file created or truncated, mode as
  // write_file) and returns the file's path as a string; throws std::runtime_error on failure.
  std::string write(const std::filesystem::path& relative, std::string_view text, unsigned mode = 0644) const;

 private:
  std::filesystem::path path_;
};

// Writes text to a file (created or truncated) with the given mode; throws std::runtime_error on failure.
void write_file(const std::filesystem::path& file, std::string_view text, unsigned mode = 0644);
// The whole file, or an empty string if it cannot be read.
std::string read_file(const std::filesystem::path& file);

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released). Racy by nature: callers
// that bind it themselves should retry on EADDRINUSE.
unsigned short free_loopback_port();

// Raises this process's soft RLIMIT_NOFILE to its hard limit (idempotent) and returns the new soft limit.
unsigned long raise_fd_limit();

struct CommandResult {
  int exit_code = -1;  // exit status; 128 + N when killed by signal N; -1 when it timed out or could not start
  std::string output;  // stdout and stderr interleaved as written
};

// Runs argv (argv[0] searched in PATH) to completion with stdin_text on its standard input, capturing stdout and
// stderr together. On timeout the child's process group is killed, exit_code is -1 and the output ends with a
// "[timed out after Ns]" line. Never throws for a failing command; a command that cannot be started gives
// exit_code -1 and the reason in output.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& stdin_text = "",
                          std::chrono::seconds timeout = std::chrono::seconds{60});

// A fixture's setup step (a key generated, an account made): run_command with a 30 s limit, its output when it
// exits 0; otherwise throws std::runtime_error "WHO: `PROGRAM` failed (STATUS): OUTPUT".
std::string run_or_throw(std::string_view who, const std::vector<std::string>& argv,
                         const std::string& stdin_text = "");

// Lower-level process control shared by the fixtures that keep a child running (sshd, the exporter).
struct SpawnOptions {
  int stdin_fd = -1;   // -1: /dev/null
  int stdout_fd = -1;  // -1: /dev/null
  int stderr_fd = -1;  // -1: /dev/null
};

// Starts argv in a new process group, with no file descriptor but 0-2 inherited and SIGPIPE at its default.
// The child is sent SIGKILL if the calling thread exits first (PR_SET_PDEATHSIG), so a crashed test run does
// not leave daemons behind: spawn long-lived children from the main thread. Throws std::runtime_error when the
// program cannot be executed.
pid_t spawn_process(const std::vector<std::string>& argv, const SpawnOptions& options = {});

// Reaps pid if it exits within timeout: its exit status (128 + N for signal N), or nullopt if still running.
std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout);

// SIGTERM, up to grace for it to exit, then SIGKILL to its process group; always reaps. Returns the status as
// wait_for_exit does.
int stop_process(pid_t pid, std::chrono::milliseconds grace = std::chrono::seconds{5});

}  // namespace spe::test
