#include "support/bastion.hpp"

#include <chrono>
#include <optional>
#include <stdexcept>

#include "support/eventually.hpp"
#include "support/probe_bed.hpp"

namespace spe::test {
namespace {

constexpr int kStartAttempts = 3;
constexpr auto kStartTimeout = std::chrono::seconds{10};
constexpr const char* kForwardOpened = "server_input_channel_open: confirm direct-tcpip";

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++count;
  return count;
}

}  // namespace

Bastion::Bastion(const TestSshd& base, const std::vector<std::string>& options) {
  for (int attempt = 1; attempt <= kStartAttempts; ++attempt) {
    if (start_once(base, options)) {
      write_file(known_hosts_path(), "[127.0.0.1]:" + std::to_string(port_) + " " + base.host_public_key() + "\n");
      return;
    }
  }
  throw std::runtime_error("bastion sshd: no free port in " + std::to_string(kStartAttempts) + " attempts:\n" +
                           read_file(log_path()));
}

Bastion::~Bastion() {
  if (pid_ > 0) stop_process(pid_, std::chrono::seconds{5});
}

std::string Bastion::known_hosts_path() const { return (dir_.path() / "known_hosts").string(); }
std::string Bastion::log_path() const { return (dir_.path() / "sshd.log").string(); }

std::size_t Bastion::forwards_opened() const { return count_of(read_file(log_path()), kForwardOpened); }

// One start on a fresh free port: false if the port was taken meanwhile (the caller retries); throws on any
// other failure.
bool Bastion::start_once(const TestSshd& base, const std::vector<std::string>& options) {
  port_ = free_loopback_port();
  write_file(log_path(), "");
  std::vector<std::string> argv{"/usr/sbin/sshd",
                                "-D",
                                "-f",
                                base.dir() + "/sshd_config",
                                "-E",
                                log_path(),
                                "-p",
                                std::to_string(port_),
                                "-o",
                                "PidFile=" + (dir_.path() / "sshd.pid").string()};
  for (const auto& option : options) argv.insert(argv.end(), {"-o", option});
  argv.insert(argv.end(), {"-o", "AllowTcpForwarding=yes"});  // after the caller's: theirs win
  const pid_t pid = spawn_process(argv);
  const std::string ready = "Server listening on 127.0.0.1 port " + std::to_string(port_) + ".";
  std::optional<int> exited;
  const auto listening_or_exited = [&] {
    if (read_file(log_path()).find(ready) != std::string::npos) return true;
    exited = wait_for_exit(pid, std::chrono::milliseconds{0});
    return exited.has_value();
  };
  if (!eventually(listening_or_exited, kStartTimeout)) {
    stop_process(pid, std::chrono::seconds{2});
    throw std::runtime_error("bastion sshd did not listen within 10 s:\n" + read_file(log_path()));
  }
  if (!exited) {
    pid_ = pid;
    return true;
  }
  const std::string log = read_file(log_path());
  if (log.find("Address already in use") != std::string::npos) return false;
  throw std::runtime_error("bastion sshd exited with status " + std::to_string(*exited) + ":\n" + log);
}

std::string jump_host_table(const Bastion& bastion, const TestSshd& sshd, const std::string& name) {
  return "[jump_hosts." + name + "]\nhost = " + toml_string(bastion.host()) +
         "\nport = " + std::to_string(bastion.port()) + "\nuser = " + toml_string(sshd.user()) +
         "\nprivate_key = " + toml_string(sshd.key_path()) +
         "\nknown_hosts = " + toml_string(bastion.known_hosts_path()) + "\n\n";
}

}  // namespace spe::test
