#include "support/dropbear.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/sshd.hpp"

namespace spe::test {
namespace {

constexpr const char* kAccount = "spe-probe-test";  // TestSshd's account, as root
constexpr const char* kLock = "/run/spe-probe-test/dropbear.lock";
constexpr int kStartAttempts = 5;
constexpr auto kStartTimeout = std::chrono::seconds{10};

bool on_path(const std::string& program) {
  return run_command({"sh", "-c", "command -v " + program}, "", std::chrono::seconds{5}).exit_code == 0;
}

// Holds an exclusive flock on kLock for its lifetime.
class AccountLock {
 public:
  AccountLock() : fd_(::open(kLock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0)
      throw std::runtime_error(std::string("test dropbear: cannot lock ") + kLock);
  }
  ~AccountLock() { ::close(fd_); }
  AccountLock(const AccountLock&) = delete;
  AccountLock& operator=(const AccountLock&) = delete;

 private:
  int fd_;
};

}  // namespace

std::string TestDropbear::available() {
  if (::geteuid() != 0) return "root (dropbear logs in the test account, whose authorized_keys it reads)";
  for (const std::string program : {"dropbear", "dropbearkey"}) {
    if (!on_path(program)) return program + " on PATH (Debian package dropbear-bin)";
  }
  return "";
}

TestDropbear::TestDropbear() {
  if (const std::string missing = available(); !missing.empty()) {
    throw std::runtime_error("test dropbear: this needs " + missing);
  }
  auto& sshd = TestSshd::shared();  // creates the account and the client key
  if (sshd.user() != kAccount)
    throw std::runtime_error("test dropbear: the test account is not " + std::string(kAccount));
  std::filesystem::permissions(dir_.path(), std::filesystem::perms(0755));

  const std::string host_key = dir_.path().string() + "/dropbear_ed25519_host_key";
  run_or_throw("test dropbear", {"dropbearkey", "-t", "ed25519", "-f", host_key});
  // "Public key portion is:\nssh-ed25519 AAAA... user@host\nFingerprint: SHA256:...\n"
  std::istringstream lines(run_or_throw("test dropbear", {"dropbearkey", "-y", "-f", host_key}));
  std::string public_key;
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("ssh-ed25519 ")) public_key = line.substr(0, line.find(' ', line.find(' ') + 1));
    if (line.starts_with("Fingerprint: ")) host_key_fingerprint_ = line.substr(13);
  }
  if (public_key.empty() || !host_key_fingerprint_.starts_with("SHA256:")) {
    throw std::runtime_error("test dropbear: cannot read the host key from dropbearkey -y");
  }

  const std::string client = read_file(sshd.key_path() + ".pub");
  authorized_line_ = client.substr(0, client.find('\n'));
  authorize(true);
  try {
    for (int attempt = 1; attempt <= kStartAttempts; ++attempt) {
      if (start_once()) {
        write_file(known_hosts_path(), "[127.0.0.1]:" + std::to_string(port_) + " " + public_key + "\n");
        return;
      }
    }
    throw std::runtime_error("test dropbear: could not bind a free port in " + std::to_string(kStartAttempts) +
                             " attempts:\n" + log());
  } catch (...) {
    authorize(false);
    throw;
  }
}

TestDropbear::~TestDropbear() {
  if (pid_ > 0) stop_process(pid_, std::chrono::seconds{2});
  try {
    authorize(false);
  } catch (...) {
    // A line left in the test account's authorized_keys harms nothing: the key's directory is gone.
  }
}

std::string TestDropbear::target() const { return "127.0.0.1:" + std::to_string(port_); }
std::string TestDropbear::user() const { return kAccount; }
std::string TestDropbear::log() const { return read_file(dir_.path() / "dropbear.log"); }

// Adds or removes authorized_line_ in the account's ~/.ssh/authorized_keys (one line per test process), which
// dropbear wants owned by the account and writable by it alone.
void TestDropbear::authorize(bool add) const {
  const AccountLock lock;
  const passwd* pw = ::getpwnam(kAccount);
  if (pw == nullptr) throw std::runtime_error("test dropbear: no account " + std::string(kAccount));
  const std::filesystem::path ssh_dir = std::filesystem::path(pw->pw_dir) / ".ssh";
  const std::filesystem::path file = ssh_dir / "authorized_keys";
  std::filesystem::create_directories(ssh_dir);
  std::string kept;
  bool removed = false;
  std::istringstream lines(std::filesystem::exists(file) ? read_file(file) : "");
  for (std::string line; std::getline(lines, line);) {
    if (line == authorized_line_ && (add || !removed)) {
      removed = true;
      if (add) return;  // there already
      continue;
    }
    kept += line + "\n";
  }
  if (add) kept += authorized_line_ + "\n";
  write_file(file, kept, 0600);
  for (const auto& path : {ssh_dir, file}) {
    if (::chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      throw std::runtime_error("test dropbear: cannot chown " + path.string());
    }
  }
  std::filesystem::permissions(ssh_dir, std::filesystem::perms(0700));
}

// One start on a fresh free port: false if the port was taken meanwhile (the caller retries).
bool TestDropbear::start_once() {
  port_ = free_loopback_port();
  const std::string log_file = (dir_.path() / "dropbear.log").string();
  const int log_fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("test dropbear: cannot create " + log_file);
  pid_t pid = -1;
  try {
    // -F foreground, -E log to stderr, -P a pid file of its own (not /var/run/dropbear.pid).
    pid = spawn_process({"dropbear", "-F", "-E", "-p", "127.0.0.1:" + std::to_string(port_), "-r",
                         (dir_.path() / "dropbear_ed25519_host_key").string(), "-P",
                         (dir_.path() / "dropbear.pid").string()},
                        SpawnOptions{-1, log_fd, log_fd});
  } catch (...) {
    ::close(log_fd);
    throw;
  }
  ::close(log_fd);
  // It says "Not backgrounding" once its port listens, or gives up with "Address already in use".
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = log();
    if (text.find("Not backgrounding") != std::string::npos) {
      pid_ = pid;
      return true;
    }
    if (const auto status = wait_for_exit(pid, std::chrono::milliseconds{20})) {
      if (text.find("Address already in use") != std::string::npos) return false;
      throw std::runtime_error("test dropbear exited with status " + std::to_string(*status) + ":\n" + log());
    }
  }
  stop_process(pid, std::chrono::seconds{2});
  throw std::runtime_error("test dropbear did not listen within 10 s:\n" + log());
}

}  // namespace spe::test
