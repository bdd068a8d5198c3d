// Hostile "SSH servers" for the adversarial tests: each one a small Asio acceptor on 127.0.0.1 with one
// misbehaviour (blackbox's fake servers in prober/tcp_test.go are the model).
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

namespace spe::test {

enum class Misbehaviour {
  silent,              // accepts and never sends a byte (reads and discards, so a client close frees the socket)
  drip_banner,         // sends "SSH-2.0-OpenSSH_9.2\r\n" one byte per second, then stays silent
  garbage,             // sends an HTTP 400 response (non-SSH lines, one over 255 bytes) and stays open
  banner_then_silent,  // sends "SSH-2.0-OpenSSH_9.2p1 Debian\r\n", then reads and discards, never answers kex
  close_at_once,       // accepts and closes at once (the client reads EOF)
  flood,               // sends a valid banner, then random bytes as fast as the socket takes them
  stuck_in_kex,        // sends a valid banner and a valid SSH_MSG_KEXINIT, then reads and discards: the
                       // client's key exchange is never answered
  random_comment,      // sends "SSH-2.0-tinyssh_20230101-1 TOKEN\r\n" with 8 random letters as TOKEN, new for each
                       // connection (as tinysshd does), then closes
};

std::string_view to_string(Misbehaviour misbehaviour);

// Listens on 127.0.0.1:<ephemeral port> and serves every connection with one misbehaviour, on its own thread.
// Holds thousands of concurrent connections: the constructor raises RLIMIT_NOFILE to the hard limit for the
// whole process. The destructor closes the listener and every connection and joins the thread promptly.
// port(), connections(), open_connections() and bytes_received() are safe to call from any thread.
class AdversarialServer {
 public:
  explicit AdversarialServer(Misbehaviour misbehaviour);
  ~AdversarialServer();
  AdversarialServer(const AdversarialServer&) = delete;
  AdversarialServer& operator=(const AdversarialServer&) = delete;

  unsigned short port() const;
  std::size_t connections() const;       // connections accepted since start
  std::size_t open_connections() const;  // connections accepted and not yet closed by either side
  std::size_t bytes_received() const;    // bytes read from all clients since start

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spe::test
