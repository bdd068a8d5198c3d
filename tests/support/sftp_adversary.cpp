#include "support/sftp_adversary.hpp"

#include <chrono>
#include <string>
#include <vector>

#include "support/python.hpp"

namespace spe::test {
namespace {

// The names differ from those of the other fixtures' files: the sanitizer builds compile them as one unit.
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

  server_.emplace("sftp adversary", kSftpAdversaryScript,
                  std::vector<std::string>{"--mode", std::string(to_string(misbehaviour)), "--host-key",
                                           dir + "/host_key", "--authorized-key", dir + "/client_key.pub"},
                  dir_.path() / "server.log", "PORT ");
  write_file(known_hosts_path(), "[127.0.0.1]:" + std::to_string(server_->port()) + " " +
                                     sftp_adversary_key_line(read_file(dir_.path() / "host_key.pub")) + "\n");
}

std::string SftpAdversary::target() const { return "127.0.0.1:" + std::to_string(server_->port()); }
std::string SftpAdversary::log() const { return server_->log(); }

}  // namespace spe::test
