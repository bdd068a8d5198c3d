#include "support/sshd.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <ctime>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "support/eventually.hpp"

namespace spe::test {
namespace {

constexpr const char* kSshd = "/usr/sbin/sshd";
constexpr const char* kAccount = "spe-probe-test";
constexpr const char* kAccountComment = "ssh_probe_exporter test account";
// Shared by every test process on the machine: setup is serialised by kSetupLock, and while any process holds
// kUsersLock (shared) the password in kPasswordFile stays as it is.
constexpr const char* kStateDir = "/run/spe-probe-test";
constexpr const char* kSetupLock = "/run/spe-probe-test/setup.lock";
constexpr const char* kUsersLock = "/run/spe-probe-test/users.lock";
constexpr const char* kPasswordFile = "/run/spe-probe-test/password";
// The keyword of an sshd_config line, lower-cased ("" for a blank line or a comment).
std::string keyword_of(std::string_view line) {
  const auto start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos || line[start] == '#') return "";
  std::string keyword(line.substr(start, line.find_first_of(" \t=", start) - start));
  for (char& c : keyword) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return keyword;
}

// `overrides` first, then the global lines of `base` whose keywords they do not name, then base's Match
// blocks. sshd keeps the first value of most keywords but the last of some (MaxStartups): so each keyword is
// said once.
std::string with_overrides(const std::vector<std::string>& overrides, const std::string& base) {
  std::set<std::string> named;
  std::string out;
  for (const auto& line : overrides) {
    named.insert(keyword_of(line));
    out += line + "\n";
  }
  std::istringstream lines(base);
  bool in_match = false;
  for (std::string line; std::getline(lines, line);) {
    in_match = in_match || keyword_of(line) == "match";
    if (in_match || !named.contains(keyword_of(line))) out += line + "\n";
  }
  return out;
}

constexpr const char* kForwardOpened = "server_input_channel_open: confirm direct-tcpip";

constexpr int kStartAttempts = 3;
constexpr auto kStartTimeout = std::chrono::seconds{10};

std::string must_run(const std::vector<std::string>& argv, const std::string& input = "") {
  const auto result = run_command(argv, input, std::chrono::seconds{30});
  if (result.exit_code != 0) {
    throw std::runtime_error("test sshd: `" + argv.front() + "` failed (" + std::to_string(result.exit_code) +
                             "): " + result.output);
  }
  return result.output;
}

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string random_password() {
  static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::random_device device;
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  std::string password;
  for (int i = 0; i < 24; ++i) password += kAlphabet[pick(device)];
  return password;
}

std::string current_user() {
  if (const passwd* pw = ::getpwuid(::geteuid())) return pw->pw_name;
  throw std::runtime_error("test sshd: the current uid has no passwd entry");
}

// flock with a bounded wait; returns false if it could not be had within the timeout.
bool lock_file(int fd, int operation, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (::flock(fd, operation | LOCK_NB) != 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  return true;
}

int open_lock(const char* path) {
  const int fd = ::open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error(std::string("test sshd: cannot open ") + path);
  return fd;
}

// "20261121233509Z": ssh-keygen's absolute UTC time syntax.
std::string utc_stamp(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%d%H%M%SZ", &tm);
  return text;
}

bool is_auth_line(std::string_view line) {
  if (line.find("userauth-request") != std::string_view::npos) return true;
  for (const std::string_view verb : {"Failed ", "Accepted ", "Postponed "}) {
    const auto at = line.find(verb);
    if (at != std::string_view::npos && line.find(" for ", at) != std::string_view::npos) return true;
  }
  return false;
}

// The live (not zombie) processes whose parent is parent: sshd forks one child per connection.
std::vector<pid_t> live_children(pid_t parent) {
  std::vector<pid_t> children;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = read_file(entry.path() / "stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 1));
    char state = 0;
    long ppid = 0;
    fields >> state >> ppid;
    if (ppid == parent && state != 'Z' && state != 'X') children.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return children;
}

bool has_live_child(pid_t parent) { return !live_children(parent).empty(); }

}  // namespace

bool log_has_auth_attempt(std::string_view text) {
  while (!text.empty()) {
    const auto end = text.find('\n');
    if (is_auth_line(text.substr(0, end))) return true;
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return false;
}

TestSshd& TestSshd::shared() {
  static std::mutex mutex;
  static std::unique_ptr<TestSshd> instance;
  const std::lock_guard lock(mutex);
  if (!instance) instance.reset(new TestSshd());
  return *instance;
}

std::unique_ptr<TestSshd> TestSshd::start_separate(std::vector<std::string> config_lines) {
  return std::unique_ptr<TestSshd>(new TestSshd(std::move(config_lines)));
}

TestSshd::TestSshd(std::vector<std::string> config_lines) : config_lines_(std::move(config_lines)) {
  // sshd reads authorized_keys and the CA key as the logged-in user: the directory must be traversable.
  std::filesystem::permissions(dir_.path(), std::filesystem::perms(0755));
  choose_account();
  generate_keys();
  for (int attempt = 1; attempt <= kStartAttempts; ++attempt) {
    if (start_once()) return;
  }
  throw std::runtime_error("test sshd: could not bind a free port in " + std::to_string(kStartAttempts) +
                           " attempts:\n" + read_file(log_path()));
}

std::size_t TestSshd::forwards_opened() const {
  const std::string log = read_file(log_path());
  const std::string needle = kForwardOpened;
  std::size_t count = 0;
  for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + needle.size())) ++count;
  return count;
}

TestSshd::~TestSshd() {
  if (pid_ > 0) stop_process(pid_, std::chrono::seconds{5});
  if (users_lock_fd_ >= 0) ::close(users_lock_fd_);
}

std::string TestSshd::target() const { return host() + ":" + std::to_string(port_); }
std::string TestSshd::key_path() const { return dir() + "/id_ed25519"; }
std::string TestSshd::encrypted_key_path() const { return dir() + "/id_ed25519_encrypted"; }
std::string TestSshd::cert_key_path() const { return dir() + "/id_ed25519_cert"; }
std::string TestSshd::cert_path() const { return dir() + "/id_ed25519_cert-cert.pub"; }
std::string TestSshd::ca_public_key_path() const { return dir() + "/ca_ed25519.pub"; }
std::string TestSshd::known_hosts_path() const { return dir() + "/known_hosts"; }
std::string TestSshd::wrong_known_hosts_path() const { return dir() + "/known_hosts_wrong"; }
std::string TestSshd::log_path() const { return dir() + "/sshd.log"; }

bool TestSshd::wait_idle(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (has_live_child(pid_)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  return true;
}

void TestSshd::kill_all() {
  if (pid_ <= 0) return;
  // Stopped first, the tree cannot fork or reparent while it is walked (a killed parent's children
  // would move to init and out of reach); a bounded number of rounds catches forks in flight.
  std::vector<pid_t> tree{pid_};
  ::kill(pid_, SIGSTOP);
  for (int round = 0; round < 5; ++round) {
    const std::size_t known = tree.size();
    for (std::size_t i = 0; i < tree.size(); ++i) {
      for (const pid_t child : live_children(tree[i])) {
        if (std::find(tree.begin(), tree.end(), child) != tree.end()) continue;
        ::kill(child, SIGSTOP);
        tree.push_back(child);
      }
    }
    if (tree.size() == known) break;
  }
  for (const pid_t pid : tree) ::kill(pid, SIGKILL);
  wait_for_exit(pid_, std::chrono::seconds{5});
  pid_ = -1;
}

std::size_t TestSshd::log_size() const {
  wait_idle();
  std::error_code ec;
  const auto size = std::filesystem::file_size(log_path(), ec);
  return ec ? 0 : static_cast<std::size_t>(size);
}

std::string TestSshd::log_since(std::size_t offset) const {
  std::ifstream in(log_path(), std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::ostringstream text;
  if (in) text << in.rdbuf();
  return text.str();
}

std::string TestSshd::log_after(std::size_t offset, const std::vector<std::string>& any_of,
                                std::chrono::milliseconds timeout) const {
  std::string text;
  const auto holds_one = [&] {
    text = log_since(offset);
    return std::any_of(any_of.begin(), any_of.end(),
                       [&](const std::string& needle) { return text.find(needle) != std::string::npos; });
  };
  eventually(holds_one, timeout);
  return text;
}

void TestSshd::choose_account() {
  user_ = current_user();
  if (::geteuid() != 0) return;  // PAM cannot check passwords for an unprivileged sshd: keys only
  ::mkdir(kStateDir, 0700);
  const int setup_fd = open_lock(kSetupLock);
  if (!lock_file(setup_fd, LOCK_EX, std::chrono::seconds{60})) {
    ::close(setup_fd);
    throw std::runtime_error("test sshd: timed out waiting for another test process to set up the account");
  }
  try {
    const passwd* pw = ::getpwnam(kAccount);
    if (pw == nullptr) {
      must_run({"useradd", "-m", "-s", "/bin/sh", "-c", kAccountComment, kAccount});
      pw = ::getpwnam(kAccount);
    }
    if (pw != nullptr && std::string_view(pw->pw_gecos) == kAccountComment) {
      user_ = kAccount;
      users_lock_fd_ = open_lock(kUsersLock);
      // Alone: a fresh password for this run. Others running: keep theirs, it is the one in use.
      if (::flock(users_lock_fd_, LOCK_EX | LOCK_NB) == 0) {
        password_ = random_password();
        must_run({"chpasswd"}, std::string(kAccount) + ":" + password_ + "\n");
        write_file(kPasswordFile, password_ + "\n", 0600);
      } else {
        password_ = trim(read_file(kPasswordFile));
      }
      lock_file(users_lock_fd_, LOCK_SH, std::chrono::seconds{5});
    }
  } catch (...) {
    ::close(setup_fd);
    throw;
  }
  ::close(setup_fd);
}

void TestSshd::generate_keys() {
  const auto keygen = [this](const std::string& name, const std::string& passphrase, const std::string& comment) {
    must_run({"ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", comment, "-f", dir() + "/" + name});
  };
  keygen("ssh_host_ed25519_key", "", "spe-test-host");
  keygen("wrong_host_ed25519_key", "", "spe-test-wrong-host");
  keygen("id_ed25519", "", "spe-test-client");
  keygen("id_ed25519_encrypted", passphrase(), "spe-test-client-encrypted");
  keygen("id_ed25519_cert", "", "spe-test-client-cert");
  keygen("ca_ed25519", "", "spe-test-ca");

  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  cert_valid_before_ = now + std::chrono::hours{1};
  must_run({"ssh-keygen", "-q", "-s", dir() + "/ca_ed25519", "-I", "spe-test-user-cert", "-n", user_, "-V",
            utc_stamp(now - std::chrono::minutes{5}) + ":" + utc_stamp(cert_valid_before_),
            dir() + "/id_ed25519_cert.pub"});

  write_file(dir() + "/authorized_keys", read_file(key_path() + ".pub") + read_file(encrypted_key_path() + ".pub"),
             0644);
  const std::string host_pub = read_file(dir() + "/ssh_host_ed25519_key.pub");
  host_public_key_ = host_pub.substr(0, host_pub.find(' ', host_pub.find(' ') + 1));
  std::istringstream fields(must_run({"ssh-keygen", "-lf", dir() + "/ssh_host_ed25519_key.pub"}));
  std::string bits;
  fields >> bits >> host_key_fingerprint_;
}

void TestSshd::write_config(bool use_pam) const {
  const std::string wrong_pub = read_file(dir() + "/wrong_host_ed25519_key.pub");
  const std::string name = "[127.0.0.1]:" + std::to_string(port_) + " ";
  write_file(known_hosts_path(), name + host_public_key_ + "\n");
  write_file(wrong_known_hosts_path(),
             name + wrong_pub.substr(0, wrong_pub.find(' ', wrong_pub.find(' ') + 1)) + "\n");

  std::ostringstream config;
  config << "ListenAddress 127.0.0.1\n"
         << "Port " << port_ << "\n"
         << "Port " << kbdint_port_ << "\n"
         << "Port " << jump_port_ << "\n"
         << "HostKey " << dir() << "/ssh_host_ed25519_key\n"
         << "PidFile " << dir() << "/sshd.pid\n"
         << "AuthorizedKeysFile " << dir() << "/authorized_keys\n"
         << "TrustedUserCAKeys " << ca_public_key_path() << "\n"
         << "AllowUsers " << user_ << "\n"
         << "StrictModes no\n"
         << "PubkeyAuthentication yes\n"
         << "PasswordAuthentication yes\n"
         << "KbdInteractiveAuthentication yes\n"
         << "PermitEmptyPasswords no\n"
         << "PermitRootLogin prohibit-password\n"
         << "UsePAM " << (use_pam ? "yes" : "no") << "\n"
         << "LogLevel DEBUG1\n"
         // Tests open many connections at once; the default 10:30:100 would drop some at random.
         << "MaxStartups 1000\n"
         << "MaxSessions 64\n"
         << "UseDNS no\n"
         << "PrintMotd no\n"
         << "PrintLastLog no\n"
         << "X11Forwarding no\n"
         << "AllowTcpForwarding no\n"
         << "AllowAgentForwarding no\n"
         // The SFTP checks: OpenSSH's in-process server, which a ForceCommand internal-sftp override also names.
         << "Subsystem sftp internal-sftp\n"
         // The second port refuses plain password authentication, so a password login there
         // must go through keyboard-interactive.
         << "Match LocalPort " << kbdint_port_ << "\n"
         << "  PasswordAuthentication no\n"
         // The third port is a jump host: it opens direct-tcpip channels (ssh -J).
         << "Match LocalPort " << jump_port_ << "\n"
         << "  AllowTcpForwarding yes\n";
  write_file(dir() + "/sshd_config", with_overrides(config_lines_, config.str()));
}

// One start on a fresh free port. False if the port was taken meanwhile (the caller retries); throws on any
// other failure.
bool TestSshd::start_once() {
  port_ = free_loopback_port();
  do {
    kbdint_port_ = free_loopback_port();
  } while (kbdint_port_ == port_);
  do {
    jump_port_ = free_loopback_port();
  } while (jump_port_ == port_ || jump_port_ == kbdint_port_);
  write_config(::geteuid() == 0);
  write_file(log_path(), "");
  if (::geteuid() == 0) ::mkdir("/run/sshd", 0755);  // privilege separation directory

  const std::vector<std::string> argv{kSshd, "-D", "-f", dir() + "/sshd_config", "-E", log_path()};
  const pid_t pid = spawn_process(argv);
  const std::string ready = "Server listening on 127.0.0.1 port " + std::to_string(port_) + ".";
  const std::string ready_kbdint = "Server listening on 127.0.0.1 port " + std::to_string(kbdint_port_) + ".";
  const std::string ready_jump = "Server listening on 127.0.0.1 port " + std::to_string(jump_port_) + ".";
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string log = read_file(log_path());
    if (log.find(ready) != std::string::npos && log.find(ready_kbdint) != std::string::npos &&
        log.find(ready_jump) != std::string::npos) {
      pid_ = pid;
      return true;
    }
    if (const auto status = wait_for_exit(pid, std::chrono::milliseconds{20})) {
      if (log.find("Address already in use") != std::string::npos) return false;
      throw std::runtime_error("test sshd exited with status " + std::to_string(*status) + ":\n" + log);
    }
  }
  stop_process(pid, std::chrono::seconds{2});
  throw std::runtime_error("test sshd did not listen within 10 s:\n" + read_file(log_path()));
}

}  // namespace spe::test
