#include "support/bastion.hpp"

#include <cctype>
#include <chrono>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "support/eventually.hpp"
#include "support/probe_bed.hpp"

namespace spe::test {
namespace {

constexpr int kStartAttempts = 3;
constexpr auto kStartTimeout = std::chrono::seconds{10};
constexpr const char* kForwardOpened = "server_input_channel_open: confirm direct-tcpip";

// The keyword of an sshd_config line, lower-cased ("" for a blank line or a comment).
std::string keyword_of(const std::string& line) {
  const auto start = line.find_first_not_of(" \t");
  if (start == std::string::npos || line[start] == '#') return "";
  std::string keyword = line.substr(start, line.find_first_of(" \t=", start) - start);
  for (char& c : keyword) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return keyword;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++count;
  return count;
}

}  // namespace

Bastion::Bastion(const TestSshd& base, const std::vector<std::string>& lines) {
  for (int attempt = 1; attempt <= kStartAttempts; ++attempt) {
    if (start_once(base, lines)) {
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

// sshd keeps the first value of most keywords but the last of some (MaxStartups): the bastion's lines come
// first, and the base config's global lines of the same keywords are left out.
void Bastion::write_config(const TestSshd& base, const std::vector<std::string>& lines) const {
  std::vector<std::string> own = lines;
  own.insert(own.end(), {"Port " + std::to_string(port_), "PidFile " + (dir_.path() / "sshd.pid").string(),
                         "AllowTcpForwarding yes"});
  std::set<std::string> replaced;
  std::string config;
  for (const auto& line : own) {
    if (replaced.insert(keyword_of(line)).second) config += line + "\n";
  }
  // Only the global lines: the Match blocks at the end are for the base sshd's other ports.
  std::istringstream base_config(read_file(base.dir() + "/sshd_config"));
  bool global = true;
  for (std::string line; std::getline(base_config, line);) {
    global = global && keyword_of(line) != "match";
    if (!global || !replaced.contains(keyword_of(line))) config += line + "\n";
  }
  write_file(dir_.path() / "sshd_config", config);
}

// One start on a fresh free port: false if the port was taken meanwhile (the caller retries); throws on any
// other failure.
bool Bastion::start_once(const TestSshd& base, const std::vector<std::string>& lines) {
  port_ = free_loopback_port();
  write_config(base, lines);
  write_file(log_path(), "");
  const std::vector<std::string> argv{"/usr/sbin/sshd", "-D", "-f", (dir_.path() / "sshd_config").string(), "-E",
                                      log_path()};
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
