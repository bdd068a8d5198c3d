// RAII over a libssh client session in non-blocking mode. Each call does one non-blocking step
// and reports done / again / an Error; libssh's rc + ssh_get_error are converted here, once.
// Not thread-safe: one probe (one strand) owns one session (libssh doc/threading.dox).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>

#include "probe/report.hpp"
#include "util/result.hpp"
#include "util/secret.hpp"

namespace spe {

enum class Progress { done, again };

// not_sent: libssh refused to use the key itself and asked the server nothing (no signature
// algorithm for the key that both pubkey_accepted_algorithms and the server's server-sig-algs allow).
enum class AuthOutcome { success, denied, partial, again, not_sent };

struct SessionOptions {
  int fd = -1;  // a connected socket; the session takes ownership of it
  std::string host;
  unsigned int port = 22;
  std::string user;
  // Offered in this order; empty: libssh's defaults. libssh's own known_hosts files are always
  // empty (host keys are checked against the module's parsed known_hosts), so this is also
  // where the algorithms known_hosts knows for the host go first.
  std::vector<std::string> host_key_algorithms;
  // The module's kex_algorithms, ciphers (both directions), macs (both directions) and
  // pubkey_accepted_algorithms, as resolved at config load; empty: libssh's defaults. Each name
  // is one libssh supports (config/algorithms.hpp): libssh would drop an unknown one silently.
  std::vector<std::string> kex_algorithms;
  std::vector<std::string> ciphers;
  std::vector<std::string> macs;
  std::vector<std::string> pubkey_algorithms;
};

// The server's host key as the probe reports it, and its SSH wire encoding for known_hosts.
struct ServerHostKey {
  HostKeyInfo info;
  std::string blob;
};

class SshSession {
 public:
  // Creates a non-blocking session over `options.fd`. Never resolves names, never reads
  // ~/.ssh/config. On failure the fd is closed.
  static Result<SshSession> create(const SessionOptions& options);

  // One step of the key exchange.
  Result<Progress> connect();

  // True when libssh has output queued: wait for writability, else for readability.
  bool wants_write() const;

  // The banner and the negotiated algorithms. libssh 0.10 does not name a group-exchange kex: the
  // group-exchange method offered is named instead (both, "a|b", when two were offered).
  ServerInfo server_info() const;
  Result<ServerHostKey> server_host_key() const;

  // One step of each authentication method. After again, call the same method again.
  Result<AuthOutcome> auth_publickey(ssh_key key);
  Result<AuthOutcome> auth_password(const Secret& password);
  // keyboard-interactive, every prompt answered with `password`, until a final answer.
  Result<AuthOutcome> auth_kbdint(const Secret& password);

  // "publickey,password" as the server last offered them (empty before any auth answer).
  std::string offered_auth_methods() const;

  // Sends SSH_MSG_DISCONNECT (a small write) and closes the socket; the session is unusable afterwards.
  void disconnect();

 private:
  struct Free {
    void operator()(ssh_session s) const noexcept { ssh_free(s); }
  };
  explicit SshSession(ssh_session s) : session_(s) {}

  Error last_error(ErrorCode code, std::string_view what) const;
  // A channel's open or request failed: permission_denied when the server refused it.
  Error channel_error(std::string_view what) const;
  Result<AuthOutcome> auth_result(int rc, std::string_view method);
  bool set_list(ssh_options_e option, const std::vector<std::string>& names);

  std::unique_ptr<ssh_session_struct, Free> session_;
  std::vector<std::string> group_exchange_offered_;  // the diffie-hellman-group-exchange-* names offered

  friend class SshChannel;
  friend class ForwardChannel;
};

// What one non-blocking read of a channel found.
struct ChannelRead {
  std::size_t stdout_bytes = 0;  // received in this call (kept or not)
  bool truncated = false;        // stdout reached the cap: stop reading, close the channel
  bool more = false;             // stopped at the per-call byte budget: call again soon, without waiting
};

// One session channel running one command. Free it before its session is disconnected or freed
// (ssh_disconnect frees every channel). Not thread-safe; not movable (libssh holds a pointer to
// its callbacks), so hold it in std::optional and emplace.
class SshChannel {
 public:
  explicit SshChannel(SshSession& session);
  ~SshChannel();
  SshChannel(const SshChannel&) = delete;
  SshChannel& operator=(const SshChannel&) = delete;

  // A refusal by the server (open failure, exec request denied) is permission_denied, with the
  // server's words; anything else (the connection lost) is unavailable.
  Result<Progress> open();
  Result<Progress> exec(const std::string& command);
  // A pseudo-terminal of kPtyColumns x kPtyRows, then the user's login shell on it: what an
  // interactive ssh does, and what a device that refuses exec answers on.
  Result<Progress> request_pty();
  Result<Progress> request_shell();
  // A subsystem ("sftp") on the channel instead of a command.
  Result<Progress> request_subsystem(const char* name);
  static constexpr int kPtyColumns = 256;
  static constexpr int kPtyRows = 24;

  // Queues up to `size` bytes for the command's stdin; returns how many were taken (0 while the
  // server's window is closed: try again once the session has read more). Never waits.
  Result<std::size_t> write(const char* data, std::size_t size);

  // The server has sent CHANNEL_CLOSE: it has let the channel go (and with it its slot in
  // MaxSessions once ours arrives too).
  bool closed_by_server() const { return closed_by_server_; }

  // Reads and processes what has arrived on the session, for any channel, without waiting. Only
  // for a channel not yet open: libssh reads the socket through it (no other call of its API
  // does so without writing), e.g. to see the previous channel's close.
  Result<void> process_input();

  // Appends what has arrived on stdout to `out`, keeping at most `cap` bytes in it; drains and
  // drops stderr so the window never stalls. Reads at most about kReadBudgetBytes (both streams)
  // per call, then says `more`.
  Result<ChannelRead> read_available(std::string& out, std::size_t cap);
  static constexpr std::size_t kReadBudgetBytes = 256 * 1024;

  // The command has ended: EOF seen and an exit status or signal arrived, or the channel closed.
  bool finished();
  // The server sent EOF or closed the channel: nothing more will arrive.
  bool at_end();
  std::optional<int> exit_status();
  // The first kStderrHeadBytes of stderr (the rest is dropped), for the debug log of a failed command.
  const std::string& stderr_head() const { return stderr_head_; }
  static constexpr std::size_t kStderrHeadBytes = 256;
  const std::string& exit_signal() const { return exit_signal_; }

  // Asks the server to deliver `signal` ("KILL", "TERM") to the command (OpenSSH >= 7.9).
  void send_signal(const char* signal);

  // Sends EOF and CLOSE (no wait for the answer).
  void close();

 private:
  static void on_exit_signal(ssh_session, ssh_channel, const char* signal, int, const char*, const char*,
                             void* self) noexcept;
  static void on_close(ssh_session, ssh_channel, void* self) noexcept;
  // Notes that libssh buffered channel data (read_available); takes none of it.
  static int on_data(ssh_session, ssh_channel, void* data, uint32_t len, int is_stderr, void* self) noexcept;

  SshSession& session_;
  ssh_channel channel_ = nullptr;
  ssh_channel_callbacks_struct callbacks_{};
  std::string exit_signal_;
  std::string stderr_head_;
  std::optional<int> exit_status_;
  bool data_arrived_ = false;
  bool closed_by_server_ = false;
};

}  // namespace spe
