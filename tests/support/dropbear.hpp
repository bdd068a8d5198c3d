// A real dropbear (Debian's dropbear-bin, 2022.83) on a free port of 127.0.0.1, in the foreground, for the
// interop tests: the exporter against an SSH server other than OpenSSH.
//
// dropbear has no AuthorizedKeysFile option: it reads ~/.ssh/authorized_keys of the account logging in. So it
// serves the shared test sshd's account ("spe-probe-test", which TestSshd creates as root), and the constructor
// adds TestSshd::shared()'s client public key to that account's ~/.ssh/authorized_keys (under a lock, as
// other test processes may do the same with their keys); the destructor takes the line out again. The password
// is the account's (TestSshd::password()). So it needs root: available() says whether it can run here, and why
// not; tests/CMakeLists.txt runs the [dropbear] cases through run_if.sh, which skips them visibly otherwise.
#pragma once

#include <sys/types.h>

#include <string>

#include "support/temp_dir.hpp"

namespace spe::test {

class TestDropbear {
 public:
  // Empty when dropbear can run here; else what is missing.
  static std::string available();

  // Generates an ed25519 host key with dropbearkey, authorizes the client key and starts dropbear; throws
  // std::runtime_error (with dropbear's log) when it cannot. Start it from the main thread: the child is bound
  // to the starting thread's lifetime. Stops it in the destructor.
  TestDropbear();
  ~TestDropbear();
  TestDropbear(const TestDropbear&) = delete;
  TestDropbear& operator=(const TestDropbear&) = delete;

  unsigned short port() const { return port_; }
  std::string target() const;  // "127.0.0.1:PORT"
  std::string user() const;    // the account it logs in
  // "[127.0.0.1]:PORT ssh-ed25519 <its host key>"
  std::string known_hosts_path() const { return dir_.path().string() + "/known_hosts"; }
  std::string host_key_fingerprint() const { return host_key_fingerprint_; }  // "SHA256:..."
  std::string log() const;  // what dropbear wrote (-E: its log on stderr)

 private:
  bool start_once();
  void authorize(bool add) const;

  TempDir dir_{"spe-dropbear"};
  std::string authorized_line_;  // the client key's line in the account's authorized_keys
  std::string host_key_fingerprint_;
  unsigned short port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace spe::test
