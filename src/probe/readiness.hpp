// What a probe waits for between two non-blocking libssh steps, given what libssh wants and what
// the socket holds. Pure: the caller asks the kernel (a zero-timeout poll, FIONREAD) and acts on the
// answer. The reasons are libssh's and Asio's, described in docs/libssh.md, "Waiting for the socket".
#pragma once

namespace spe {

enum class SocketWait {
  none,      // go on at once (after the handlers already queued)
  writable,  // wait in the reactor until the socket is writable
  readable,  // wait in the reactor until the socket is readable
};

// One per socket; not thread-safe.
class ReadinessPolicy {
 public:
  // Write waits answered at once in a row; then the reactor decides, so a socket that stays
  // writable while libssh keeps asking cannot make the probe spin.
  static constexpr int kMaxImmediateWrites = 8;

  // Whether asking the kernel if the socket is writable now is worth it: false once
  // kMaxImmediateWrites waits in a row were answered at once.
  bool may_skip_write_wait() const { return immediate_writes_ < kMaxImmediateWrites; }

  // libssh has output queued. libssh flushes it only once it has seen the socket writable again,
  // and a socket with room in its send buffer is writable at once: `writable_now` (ask the kernel
  // only when may_skip_write_wait()) goes on at once, within the bound; otherwise wait writable.
  SocketWait write_wanted(bool writable_now);

  // libssh waits for input. Asio's epoll is edge-triggered and libssh reads a few KB per call:
  // bytes already in the kernel buffer (`bytes_pending`) raise no new edge, so go on at once;
  // otherwise wait readable. Ends a run of immediate writes.
  SocketWait read_wanted(bool bytes_pending);

 private:
  int immediate_writes_ = 0;  // write waits answered at once in a row; reset by every read wait
};

}  // namespace spe
