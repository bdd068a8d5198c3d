#include "support/paramiko.hpp"

#include <fcntl.h>
#include <unistd.h>

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
constexpr auto kParamikoStartTimeout = std::chrono::seconds{10};
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

  std::vector<std::string> argv{
      system_python3(), kParamikoScript, "--host-key", host_key,  "--authorized-key", options.authorized_key,
      "--user",         user(),          "--command",  command(), "--output",         output()};
  if (options.sha1_only) argv.push_back("--sha1-only");
  spawn(argv);
  await_port(public_key.substr(0, public_key.find(' ', public_key.find(' ') + 1)));
}

// Starts argv with a pipe on its stdin (kept in stdin_) and its stdout and stderr in the log file.
void TestParamiko::spawn(const std::vector<std::string>& argv) {
  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("test paramiko: pipe failed");
  const std::string log_file = dir_.path().string() + "/paramiko.log";
  const int log_fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  try {
    if (log_fd < 0) throw std::runtime_error("test paramiko: cannot create " + log_file);
    pid_ = spawn_process(argv, SpawnOptions{in[0], log_fd, log_fd});
  } catch (...) {
    for (const int fd : {in[0], in[1], log_fd}) ::close(fd);
    throw;
  }
  ::close(in[0]);
  ::close(log_fd);
  stdin_ = in[1];
}

// Waits for its "listening on PORT" line, then writes known_hosts with `host_key` ("ssh-ed25519 AAAA...").
void TestParamiko::await_port(const std::string& host_key) {
  const auto deadline = std::chrono::steady_clock::now() + kParamikoStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = log();
    const auto at = text.find(kParamikoListening);
    if (at != std::string::npos && text.find('\n', at) != std::string::npos) {
      port_ = static_cast<unsigned short>(std::stoi(text.substr(at + kParamikoListening.size())));
      write_file(known_hosts_path(), "[127.0.0.1]:" + std::to_string(port_) + " " + host_key + "\n");
      return;
    }
    if (const auto status = wait_for_exit(pid_, std::chrono::milliseconds{20})) {
      pid_ = -1;
      stop();
      throw std::runtime_error("test paramiko server exited with status " + std::to_string(*status) + ":\n" + log());
    }
  }
  stop();
  throw std::runtime_error("test paramiko server did not listen within 10 s:\n" + log());
}

TestParamiko::~TestParamiko() { stop(); }

void TestParamiko::stop() {
  if (stdin_ >= 0) ::close(stdin_);
  stdin_ = -1;
  if (pid_ > 0 && !wait_for_exit(pid_, std::chrono::seconds{1})) stop_process(pid_, std::chrono::seconds{2});
  pid_ = -1;
}

std::string TestParamiko::target() const { return "127.0.0.1:" + std::to_string(port_); }
std::string TestParamiko::log() const { return read_file(dir_.path() / "paramiko.log"); }

}  // namespace spe::test
