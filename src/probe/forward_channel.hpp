// A direct-tcpip channel of a jump host's session: the hop connects to host:port on the probe's behalf
// (as ssh -J does) and the channel carries that byte stream. The target's session opens one the same way for
// a check through the target (probe/forward_checks.hpp). RAII over libssh's channel; each call
// is one non-blocking step. Free it before its session is disconnected or freed. Not thread-safe;
// not movable (hold it in std::optional and emplace).
#pragma once

#include <cstddef>
#include <string>

#include <libssh/libssh.h>

#include "probe/ssh_handle.hpp"
#include "util/result.hpp"

namespace spe {

class ForwardChannel {
 public:
  // `peer` names the server in messages: "the jump host", "the target".
  explicit ForwardChannel(SshSession& session, std::string peer = "the jump host");
  ~ForwardChannel();
  ForwardChannel(const ForwardChannel&) = delete;
  ForwardChannel& operator=(const ForwardChannel&) = delete;

  // Asks the hop to connect to `host` (a name the hop resolves, or an address) on `port`. After
  // again, call open again with the same arguments. A refusal (AllowTcpForwarding no, PermitOpen,
  // nothing listening, a name the hop cannot resolve) is unavailable with the hop's reason in the
  // message (libssh's "Channel opening failure: channel N error (CODE) TEXT").
  Result<Progress> open(const std::string& host, unsigned short port);

  // What one non-blocking read found: bytes (0: nothing now), or the end of the stream.
  struct ReadResult {
    std::size_t bytes = 0;
    bool eof = false;  // the far end sent EOF or closed the channel; nothing more will come
  };
  Result<ReadResult> read(char* buffer, std::size_t size);

  // Queues up to `size` bytes; returns how many were taken (0 while the peer's window is closed:
  // try again once the session has read more input). Never waits.
  Result<std::size_t> write(const char* data, std::size_t size);

  // Tells the far end that nothing more will be written.
  void send_eof();

 private:
  SshSession& session_;
  std::string peer_;
  ssh_channel channel_ = nullptr;
};

}  // namespace spe
