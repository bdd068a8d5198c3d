#include "support/paramiko.hpp"

#include <chrono>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "support/python.hpp"

namespace spe::test {
namespace {

// The names differ from those of the other fixtures' files: the sanitizer builds compile them as one unit.
constexpr const char* kParamikoScript = SPE_SOURCE_DIR "/tests/support/paramiko_server.py";
constexpr std::string_view kParamikoListening = "listening on ";

}  // namespace

std::string TestParamiko::available() {
  if (run_command({system_python3(), "-c", "import paramiko"}, "", std::chrono::seconds{10}).exit_code != 0) {
    return "the python3 module paramiko (Debian package python3-paramiko)";
  }
  return "";
}

TestParamiko::TestParamiko(const ParamikoOptions& options) {
  if (const std::string missing = available(); !missing.empty()) {
    throw std::runtime_error("test paramiko: this needs " + missing);
  }
  const std::string host_key = dir_.path().string() + "/host_ed25519";
  run_or_throw("test paramiko", {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", host_key});
  std::istringstream fingerprint(run_or_throw("test paramiko", {"ssh-keygen", "-lf", host_key + ".pub"}));
  std::string bits;
  fingerprint >> bits >> host_key_fingerprint_;
  const std::string public_key = read_file(host_key + ".pub");

  std::vector<std::string> args{"--host-key", host_key, "--authorized-key", options.authorized_key,
                                "--user",     user(),   "--command",        command(),
                                "--output",   output()};
  if (options.sha1_only) args.push_back("--sha1-only");
  server_.emplace("test paramiko server", kParamikoScript, args, dir_.path() / "paramiko.log", kParamikoListening);
  // "ssh-ed25519 AAAA..." of the public key line, without its comment.
  write_file(known_hosts_path(), "[127.0.0.1]:" + std::to_string(server_->port()) + " " +
                                     public_key.substr(0, public_key.find(' ', public_key.find(' ') + 1)) + "\n");
}

std::string TestParamiko::target() const { return "127.0.0.1:" + std::to_string(server_->port()); }
std::string TestParamiko::log() const { return server_->log(); }

}  // namespace spe::test
