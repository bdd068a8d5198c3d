#include "support/sftp_adversary.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/python.hpp"

namespace spe::test {
namespace {

// The names differ from those of the other fixtures' files: the sanitizer builds compile them as one unit.
constexpr auto kSftpAdversaryStartTimeout = std::chrono::seconds{10};
constexpr const char* kSftpAdversaryScript = SPE_SOURCE_DIR "/tests/support/sftp_adversary.py";

// The key type and blob of an OpenSSH public key line ("ssh-ed25519 AAAA... comment").
std::string sftp_adversary_key_line(const std::string& line) {
  const auto first = line.find(' ');
  const auto second = line.find_first_of(" \n", first + 1);
  return line.substr(0, second);
}

}  // namespace

std::string_view to_string(SftpMisbehaviour misbehaviour) {
  switch (misbehaviour) {
    case SftpMisbehaviour::honest: return "honest";
    case SftpMisbehaviour::oversize_length: return "oversize_length";
    case SftpMisbehaviour::truncated: return "truncated";
    case SftpMisbehaviour::wrong_ids: return "wrong_ids";
    case SftpMisbehaviour::no_version: return "no_version";
    case SftpMisbehaviour::endless_readdir: return "endless_readdir";
    case SftpMisbehaviour::huge_string: return "huge_string";
    case SftpMisbehaviour::huge_count: return "huge_count";
    case SftpMisbehaviour::garbage_status: return "garbage_status";
    case SftpMisbehaviour::close_mid_packet: return "close_mid_packet";
    case SftpMisbehaviour::stall_write: return "stall_write";
    case SftpMisbehaviour::stall_after_write: return "stall_after_write";
    case SftpMisbehaviour::slow_remove: return "slow_remove";
    case SftpMisbehaviour::corrupt_read: return "corrupt_read";
    case SftpMisbehaviour::refuse_subsystem: return "refuse_subsystem";
    case SftpMisbehaviour::drop_connection: return "drop_connection";
    case SftpMisbehaviour::stderr_flood: return "stderr_flood";
  }
  return "unknown";
}

std::string SftpAdversary::available() {
  if (run_command({system_python3(), "-c", "import paramiko"}, "", std::chrono::seconds{30}).exit_code != 0) {
    return "python3 with paramiko (Debian package python3-paramiko)";
  }
  if (run_command({"sh", "-c", "command -v ssh-keygen"}, "", std::chrono::seconds{5}).exit_code != 0) {
    return "ssh-keygen on PATH (Debian package openssh-client)";
  }
  return "";
}

SftpAdversary::SftpAdversary(SftpMisbehaviour misbehaviour) {
  const std::string dir = dir_.path().string();
  for (const std::string key : {"host_key", "client_key"}) {
    run_or_throw("sftp adversary", {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", key, "-f", dir + "/" + key});
  }

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("sftp adversary: pipe2 failed");
  stdin_fd_ = fds[1];
  const std::string log_file = dir + "/server.log";
  const int log_fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  try {
    if (log_fd < 0) throw std::runtime_error("sftp adversary: cannot create " + log_file);
    // -B: no __pycache__ written into the source tree.
    pid_ = spawn_process({system_python3(), "-B", kSftpAdversaryScript, "--mode", std::string(to_string(misbehaviour)),
                          "--host-key", dir + "/host_key", "--authorized-key", dir + "/client_key.pub"},
                         SpawnOptions{fds[0], log_fd, log_fd});
  } catch (...) {
    ::close(fds[0]);
    if (log_fd >= 0) ::close(log_fd);
    ::close(stdin_fd_);
    throw;
  }
  ::close(fds[0]);
  ::close(log_fd);
  try {
    wait_for_port();
  } catch (...) {
    ::close(stdin_fd_);
    if (pid_ > 0) stop_process(pid_, std::chrono::seconds{2});
    throw;
  }
  write_file(known_hosts_path(), "[127.0.0.1]:" + std::to_string(port_) + " " +
                                     sftp_adversary_key_line(read_file(dir_.path() / "host_key.pub")) + "\n");
}

// The server prints "PORT <n>" once it listens.
void SftpAdversary::wait_for_port() {
  const auto deadline = std::chrono::steady_clock::now() + kSftpAdversaryStartTimeout;
  while (port_ == 0 && std::chrono::steady_clock::now() < deadline) {
    const std::string text = log();
    if (const auto at = text.find("PORT "); at != std::string::npos && text.find('\n', at) != std::string::npos) {
      port_ = static_cast<unsigned short>(std::stoi(text.substr(at + 5)));
    } else if (const auto status = wait_for_exit(pid_, std::chrono::milliseconds{20})) {
      pid_ = -1;
      throw std::runtime_error("sftp adversary exited with status " + std::to_string(*status) + ":\n" + text);
    }
  }
  if (port_ == 0) {
    throw std::runtime_error("sftp adversary did not listen within 10 s:\n" + log());
  }
}

SftpAdversary::~SftpAdversary() {
  ::close(stdin_fd_);
  if (pid_ > 0) stop_process(pid_, std::chrono::seconds{2});
}

std::string SftpAdversary::target() const { return "127.0.0.1:" + std::to_string(port_); }
std::string SftpAdversary::log() const { return read_file(dir_.path() / "server.log"); }

}  // namespace spe::test
