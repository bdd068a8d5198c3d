// A real paramiko SSH server (Debian's python3-paramiko 2.12, tests/support/paramiko_server.py) on a port of
// 127.0.0.1 it picks itself, for the interop tests: a Python SSH server that, as old gear does, never tells
// libssh which RSA signature algorithms it takes (paramiko 2.12 sends no server-sig-algs to libssh 0.10.6).
//
// It has a generated Ed25519 host key, lets `user()` log in with publickey and the one RSA public key given, and
// answers an exec of `command()` with `output()` and exit status 0. It reads nothing from the account database
// and needs no root. available() says whether it can run here, and why not; tests/CMakeLists.txt runs the
// [paramiko] cases through run_if.sh, which skips them visibly where python3 has no paramiko.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "support/python_server.hpp"
#include "support/temp_dir.hpp"

namespace spe::test {

struct ParamikoOptions {
  std::string authorized_key;  // an OpenSSH .pub file: the one key that may log in
  bool sha1_only = false;      // rsa-sha2-256 and rsa-sha2-512 disabled: only ssh-rsa signatures are accepted
};

class TestParamiko {
 public:
  // Empty when the server can run here; else what is missing.
  static std::string available();

  // Generates the host key and starts the server; throws std::runtime_error when available() says what is
  // missing, or (with its log) when it does not listen within 10 s. Start it from the main thread: the child is bound
  // to the starting thread's lifetime. Stops it in the destructor (its stdin closes; SIGTERM if it has not exited
  // within a second). It also exits by itself after a minute, so a test that dies never leaves it behind.
  explicit TestParamiko(const ParamikoOptions& options);
  TestParamiko(const TestParamiko&) = delete;
  TestParamiko& operator=(const TestParamiko&) = delete;

  unsigned short port() const { return server_->port(); }
  std::string target() const;  // "127.0.0.1:PORT"
  static std::string user() { return "probe"; }
  static std::string command() { return "show version"; }
  static std::string output() { return "paramiko test server 1.0"; }
  // "[127.0.0.1]:PORT ssh-ed25519 <its host key>"
  std::string known_hosts_path() const { return dir_.path().string() + "/known_hosts"; }
  std::string host_key_fingerprint() const { return host_key_fingerprint_; }  // "SHA256:..."
  // What it wrote: "listening on PORT", then a line per event ("auth publickey user=probe key=ssh-rsa accepted",
  // "exec 'show version'").
  std::string log() const;

 private:
  TempDir dir_{"spe-paramiko"};
  std::string host_key_fingerprint_;
  std::optional<PythonServer> server_;
};

}  // namespace spe::test
