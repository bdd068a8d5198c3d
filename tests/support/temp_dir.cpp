#include "support/temp_dir.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

namespace spe::test {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// Owns one file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read;
  Fd write;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe2");
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

Fd open_dev_null() {
  const int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (fd < 0) throw_errno("open /dev/null");
  return Fd(fd);
}

// PATH lookup done before fork, so the child only calls async-signal-safe functions.
std::string resolve_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path_env = std::getenv("PATH");
  std::istringstream dirs(path_env ? path_env : "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return name;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Runs in the forked child: only async-signal-safe calls until execv.
[[noreturn]] void exec_child(const char* program, char* const* argv, const std::array<int, 3>& stdio, int error_fd,
                             pid_t parent) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);
  for (int target = 0; target < 3; ++target) {
    if (::dup2(stdio[static_cast<std::size_t>(target)], target) < 0) ::_exit(127);
  }
  if (error_fd != 3) {
    if (::dup3(error_fd, 3, O_CLOEXEC) < 0) ::_exit(127);
  }
  ::closefrom(4);
  sigset_t all;
  ::sigemptyset(&all);
  ::sigprocmask(SIG_SETMASK, &all, nullptr);
  ::signal(SIGPIPE, SIG_DFL);
  ::execv(program, argv);
  const int err = errno;
  [[maybe_unused]] const auto written = ::write(3, &err, sizeof err);
  ::_exit(127);
}

void set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// Feeds stdin and drains the output pipe until both are done, the child has exited, or the deadline passes.
// Returns false on timeout.
bool pump(pid_t pid, Fd& in, Fd& out, std::string_view input, std::string& output, Clock::time_point deadline,
          std::optional<int>& status) {
  std::size_t written = 0;
  if (in.get() >= 0 && input.empty()) in.reset();
  std::array<char, 65536> buffer{};
  while (out.get() >= 0) {
    if (Clock::now() >= deadline) return false;
    std::array<pollfd, 2> fds{pollfd{out.get(), POLLIN, 0}, pollfd{in.get(), POLLOUT, 0}};
    const nfds_t count = in.get() >= 0 ? 2 : 1;
    const int ready = ::poll(fds.data(), count, 50);
    if (ready < 0 && errno != EINTR) return true;
    if (count == 2 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      const auto n = ::write(in.get(), input.data() + written, input.size() - written);
      if (n < 0 && errno != EAGAIN) in.reset();
      if (n > 0) written += static_cast<std::size_t>(n);
      if (written == input.size()) in.reset();
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      const auto n = ::read(out.get(), buffer.data(), buffer.size());
      if (n > 0) output.append(buffer.data(), static_cast<std::size_t>(n));
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) out.reset();
    }
    // A grandchild that inherited the pipe (a daemon) must not keep us here once the child is gone.
    if (!status && ready == 0) status = wait_for_exit(pid, std::chrono::milliseconds{0});
    if (status && ready == 0) return true;
  }
  return true;
}

}  // namespace

TempDir::TempDir(std::string_view prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string base = (tmp && *tmp) ? tmp : "/tmp";
  std::string pattern = base + "/" + std::string(prefix) + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw_errno("mkdtemp " + pattern);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::write(const std::filesystem::path& relative, std::string_view text, unsigned mode) const {
  const std::filesystem::path file = path_ / relative;
  std::filesystem::create_directories(file.parent_path());
  write_file(file, text, mode);
  return file.string();
}

void write_file(const std::filesystem::path& file, std::string_view text, unsigned mode) {
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + file.string());
  }
  if (::chmod(file.c_str(), mode) != 0) throw_errno("chmod " + file.string());
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

unsigned short free_loopback_port() {
  const Fd sock(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (sock.get() < 0) throw_errno("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw_errno("bind 127.0.0.1:0");
  socklen_t len = sizeof addr;
  if (::getsockname(sock.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) throw_errno("getsockname");
  return ntohs(addr.sin_port);
}

unsigned long raise_fd_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return static_cast<unsigned long>(limit.rlim_cur);
}

pid_t spawn_process(const std::vector<std::string>& argv, const SpawnOptions& options) {
  if (argv.empty()) throw std::invalid_argument("spawn_process: empty argv");
  const std::string program = resolve_program(argv.front());
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  const Fd null_fd = open_dev_null();
  const std::array<int, 3> stdio{options.stdin_fd >= 0 ? options.stdin_fd : null_fd.get(),
                                 options.stdout_fd >= 0 ? options.stdout_fd : null_fd.get(),
                                 options.stderr_fd >= 0 ? options.stderr_fd : null_fd.get()};
  Pipe exec_error = make_pipe();
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) exec_child(program.c_str(), args.data(), stdio, exec_error.write.get(), parent);

  ::setpgid(pid, pid);  // also here, so a kill of the group right after spawn cannot miss
  exec_error.write.reset();
  int child_errno = 0;
  ssize_t n = 0;
  do {
    n = ::read(exec_error.read.get(), &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    ::waitpid(pid, nullptr, 0);
    throw std::system_error(child_errno, std::generic_category(), "exec " + program);
  }
  return pid;
}

std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return decode_status(status);
    if (r < 0 && errno != EINTR) return -1;  // not our child, or already reaped
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
}

int stop_process(pid_t pid, std::chrono::milliseconds grace) {
  if (pid <= 0) return -1;
  ::kill(pid, SIGTERM);
  if (const auto status = wait_for_exit(pid, grace)) return *status;
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  return wait_for_exit(pid, std::chrono::seconds{10}).value_or(-1);
}

CommandResult run_command(const std::vector<std::string>& argv, const std::string& stdin_text,
                          std::chrono::seconds timeout) {
  CommandResult result;
  // A child that closes its stdin early must not kill this process with SIGPIPE; children get SIG_DFL back.
  static const bool sigpipe_ignored = [] { return ::signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
  (void)sigpipe_ignored;
  try {
    Pipe in = make_pipe();
    Pipe out = make_pipe();
    const pid_t pid = spawn_process(argv, SpawnOptions{in.read.get(), out.write.get(), out.write.get()});
    in.read.reset();
    out.write.reset();
    set_nonblocking(in.write.get());
    set_nonblocking(out.read.get());
    std::optional<int> status;
    const auto deadline = Clock::now() + timeout;
    if (pump(pid, in.write, out.read, stdin_text, result.output, deadline, status) && !status) {
      status = wait_for_exit(pid, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
    }
    if (!status) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      wait_for_exit(pid, std::chrono::seconds{10});
      result.output += "\n[timed out after " + std::to_string(timeout.count()) + "s]\n";
      return result;
    }
    result.exit_code = *status;
  } catch (const std::exception& e) {
    result.exit_code = -1;
    result.output += std::string("cannot run command: ") + e.what() + "\n";
  }
  return result;
}

std::string run_or_throw(std::string_view who, const std::vector<std::string>& argv, const std::string& stdin_text) {
  const auto result = run_command(argv, stdin_text, std::chrono::seconds{30});
  if (result.exit_code != 0) {
    throw std::runtime_error(std::string(who) + ": `" + argv.front() + "` failed (" +
                             std::to_string(result.exit_code) + "): " + result.output);
  }
  return result.output;
}

}  // namespace spe::test
