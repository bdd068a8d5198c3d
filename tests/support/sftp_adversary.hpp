// A hostile SFTP server for the adversarial tests: tests/support/sftp_adversary.py (python3 with paramiko) on a
// free port of 127.0.0.1, logging in one client key of its own and misbehaving in its "sftp" subsystem in one way.
//
// It needs python3 with paramiko (Debian's /usr/bin/python3 and python3-paramiko, support/python.hpp) and
// ssh-keygen: available() says whether it can run here, and why not; tests/CMakeLists.txt runs the
// [adversarial][sftp] cases through run_if.sh, which skips them visibly otherwise.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "support/python_server.hpp"
#include "support/temp_dir.hpp"

namespace spe::test {

// What the server's sftp subsystem does (its --mode). Each misbehaviour starts where the comment says; the
// requests before it are answered correctly.
enum class SftpMisbehaviour {
  honest,             // answers every request correctly: the control
  oversize_length,    // answers INIT with a packet length of 0xFFFFFFF0, then streams up to 64 MiB of filler
  truncated,          // sends the first 6 bytes of VERSION, then nothing (the channel stays open)
  wrong_ids,          // VERSION, then every reply carries the request's id + 1000
  no_version,         // never answers INIT (the channel stays open)
  endless_readdir,    // READDIR always returns 1000 more names (44 KB), never EOF
  huge_string,        // REALPATH's NAME holds a name whose length says 0xFFFFFF00 in a packet of a few bytes
  huge_count,         // READDIR's NAME says 0xFFFFFFFF entries in a packet holding one
  garbage_status,     // REALPATH answered by a STATUS of code 0xDEADBEEF, control bytes, a language tag too long
  close_mid_packet,   // sends half of REALPATH's reply, then closes the channel
  stall_write,        // never answers WRITE (answers what comes after it)
  stall_after_write,  // answers nothing once the first WRITE comes, CLOSE and REMOVE included
  slow_remove,        // answers the first REMOVE only when the next request comes (a second REMOVE: NO_SUCH_FILE)
  corrupt_read,       // READ returns what was written with its first byte changed
  refuse_subsystem,   // refuses the sftp subsystem
  drop_connection,    // sends half of REALPATH's reply, then shuts the TCP connection down without a word
  stderr_flood,       // answers REALPATH with nothing but up to 64 MiB of stderr (extended) data
};

std::string_view to_string(SftpMisbehaviour misbehaviour);

class SftpAdversary {
 public:
  // Empty when the server can run here; else what is missing.
  static std::string available();

  // Makes an ed25519 host key and client key, starts the server and waits (10 s at most) for its port; throws
  // std::runtime_error (with its log) when it cannot. Start it from the main thread: the child is bound to the
  // starting thread's lifetime. The destructor stops it; it also exits by itself when its stdin (a pipe held
  // here) closes, and after two minutes whatever happens.
  explicit SftpAdversary(SftpMisbehaviour misbehaviour);
  SftpAdversary(const SftpAdversary&) = delete;
  SftpAdversary& operator=(const SftpAdversary&) = delete;

  unsigned short port() const { return server_->port(); }
  std::string target() const;  // "127.0.0.1:PORT"
  std::string user() const { return "probe"; }
  std::string key_path() const { return (dir_.path() / "client_key").string(); }  // the key it logs in
  // "[127.0.0.1]:PORT ssh-ed25519 <its host key>"
  std::string known_hosts_path() const { return (dir_.path() / "known_hosts").string(); }
  // What the server wrote to stdout and stderr: "PORT <n>", then a line "request <TYPE> <first string>" for each
  // request but READDIR (e.g. "request REMOVE /upload/.ssh_probe_exporter.12.ab.tmp").
  std::string log() const;

 private:
  TempDir dir_{"spe-sftp-adversary"};
  std::optional<PythonServer> server_;
};

}  // namespace spe::test
