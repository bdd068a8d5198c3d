// The connection phases of a probe, to the target or to a jump host: the server's addresses tried in
// connect_order and a TCP connection to one of them, or a stream a jump host relays (adopt); then
// the libssh session over it (key exchange) and the host key check. The transport every later
// phase runs over: authentication and commands use its session, and every non-blocking step waits
// on its socket (when_ready). Not thread-safe: every call and handler runs on the probe's strand.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include "config/model.hpp"
#include "probe/host_key.hpp"
#include "probe/probe_log.hpp"
#include "probe/readiness.hpp"
#include "probe/report.hpp"
#include "probe/ssh_handle.hpp"
#include "util/result.hpp"

namespace spe {

class Connection {
 public:
  // `executor` is the probe's strand: every handler runs there. `host` is the server's host as
  // given (a name or an address literal): libssh and known_hosts know the server by it.
  Connection(boost::asio::any_io_executor executor, std::string host);

  // The addresses to try, in order (see connect_order); not empty.
  void set_addresses(std::vector<boost::asio::ip::address> addresses);
  const std::vector<boost::asio::ip::address>& addresses() const { return addresses_; }

  // Connects to the next address to try on `port`; calls `handler(error_code)` on the strand.
  template <class Handler>
  void connect(unsigned short port, Handler&& handler) {
    port_ = port;
    endpoint_ = boost::asio::ip::tcp::endpoint(addresses_[next_address_], port);
    socket_.async_connect(boost::asio::generic::stream_protocol::endpoint(endpoint_), std::forward<Handler>(handler));
  }

  // Instead of connect: the connection is `fd`, a connected stream socket (one end of a socketpair
  // a jump host's relay serves), to the server's `port` as the jump host was asked for it; `via`
  // names the jump host for endpoint_string. Takes ownership of `fd`, also on failure.
  Result<void> adopt(int fd, unsigned short port, std::string via);

  // After a failed connect: closes the socket and notes why. Nothing when another address is
  // left (connect again); otherwise the probe's error: internal when the exporter is out of
  // descriptors, else unavailable, "connect to A: why; B: why" for every address tried.
  std::optional<Error> connect_failed(const boost::system::error_code& ec);

  // The address connected to (or being tried): "127.0.0.1:22", "[::1]:22"; for an adopted stream,
  // "host:port via NAME".
  std::string endpoint_string() const;
  // 4 or 6: the family of the address connected to (or being tried); 0 for an adopted stream.
  int ip_version() const;

  // Starts a libssh session over the connected socket, as `user`, offering the host key
  // algorithms `policy` asks for with the types its known_hosts knows for this host, and its
  // pinned fingerprints name, first; and the other lists of `algorithms`. Fails with internal
  // when no descriptor is left for libssh's copy of the socket.
  Result<void> open_session(const std::string& user, const HostKeyPolicy& policy, const AlgorithmChoice& algorithms);
  bool has_session() const { return session_.has_value(); }
  SshSession& session() { return *session_; }

  // One step of the key exchange.
  Result<Progress> handshake() { return session_->connect(); }

  struct HostKeyCheck {
    HostKeyInfo key;         // the key the server showed
    HostKeyVerdict verdict;  // what `policy` says of it
  };
  // Checks the server's host key against `policy` and logs the verdict. Fails only when libssh
  // cannot give the key.
  Result<HostKeyCheck> check_host_key(const HostKeyPolicy& policy, ProbeLog& log) const;

  // Calls `handler(error_code)` on the strand once libssh can make progress on the session: at
  // once when the socket is ready already, else when the reactor says so (see ReadinessPolicy).
  template <class Handler>
  void when_ready(Handler&& handler) {
    switch (next_wait()) {
      case SocketWait::none:
        return boost::asio::post(socket_.get_executor(), [handler = std::forward<Handler>(handler)]() mutable {
          handler(boost::system::error_code{});
        });
      case SocketWait::writable:
        return socket_.async_wait(boost::asio::socket_base::wait_write, std::forward<Handler>(handler));
      case SocketWait::readable:
        return socket_.async_wait(boost::asio::socket_base::wait_read, std::forward<Handler>(handler));
    }
  }

  // Frees the session and closes the socket; pending waits complete with an error.
  void close();

 private:
  // The name known_hosts knows this server by: "[host]:port", or host alone on port 22.
  std::string known_hosts_name() const;
  SocketWait next_wait();

  std::string host_;
  unsigned short port_ = 0;
  std::string via_;  // the jump host relaying an adopted stream; empty for TCP
  // Declared before the session: destroyed after it (the session holds a dup of this socket).
  boost::asio::generic::stream_protocol::socket socket_;
  std::optional<SshSession> session_;
  std::vector<boost::asio::ip::address> addresses_;
  std::size_t next_address_ = 0;  // the address being tried
  std::string connect_errors_;    // "A: why; B: why" for the addresses that failed
  boost::asio::ip::tcp::endpoint endpoint_;
  ReadinessPolicy readiness_;
};

}  // namespace spe
