// A jump host for the load test and the benchmark: a second OpenSSH sshd, on a free port of 127.0.0.1, with a
// config of its own made from a TestSshd's (the same host key, account, authorized keys, CA and PAM setting), TCP
// forwarding allowed, and the given lines in place of the base config's lines of the same keywords. The base
// TestSshd must outlive the Bastion.
//
// Its host key is the base sshd's; known_hosts_path() names it for the bastion's port. What logs in to the base
// sshd (key, certificate, password) logs in to the bastion too.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

#include "support/sshd.hpp"
#include "support/temp_dir.hpp"

namespace spe::test {

class Bastion {
 public:
  // lines: sshd_config lines ("MaxStartups 600"), each replacing the global lines of the base config with the same
  // keyword, as do the bastion's own Port, PidFile and "AllowTcpForwarding yes" (which a line here may replace
  // in turn). Throws std::runtime_error with the bastion's log when it does not listen within 10 s. Start it
  // from the main thread, as TestSshd.
  explicit Bastion(const TestSshd& base, const std::vector<std::string>& lines = {});
  ~Bastion();
  Bastion(const Bastion&) = delete;
  Bastion& operator=(const Bastion&) = delete;

  unsigned short port() const { return port_; }
  std::string host() const { return "127.0.0.1"; }
  pid_t pid() const { return pid_; }
  // "[127.0.0.1]:PORT ssh-ed25519 <the base sshd's host key>"
  std::string known_hosts_path() const;
  // Its own log (-E), at the base config's LogLevel (DEBUG1 for TestSshd).
  std::string log_path() const;
  // Lines of its log that say a direct-tcpip channel was opened onward (logged at DEBUG1), so far.
  std::size_t forwards_opened() const;

 private:
  void write_config(const TestSshd& base, const std::vector<std::string>& lines) const;
  bool start_once(const TestSshd& base, const std::vector<std::string>& lines);

  TempDir dir_{"spe-bastion"};
  unsigned short port_ = 0;
  pid_t pid_ = -1;
};

// "[jump_hosts.<name>]" naming the bastion by address and port, logging in to it as sshd's user with sshd's
// authorized key, its host key checked against bastion.known_hosts_path(); then a blank line.
std::string jump_host_table(const Bastion& bastion, const TestSshd& sshd, const std::string& name = "bastion");

}  // namespace spe::test
