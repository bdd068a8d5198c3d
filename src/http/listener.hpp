// One listening socket: accepts connections, gives each a slot (a free one, or the one of the
// connection idle longest) and starts its session on the next loop. When accept fails for want of
// descriptors or memory it waits and retries, doubling the wait, instead of spinning.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "http/server_state.hpp"
#include "util/io_pool.hpp"
#include "util/result.hpp"

namespace spe::http {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Accepts on loops.main(); each connection lives on loops.next(), and its probes with it.
  Listener(IoPool& loops, std::shared_ptr<ServerState> state);

  // Binds and listens; `dual_stack` takes IPv4 on an IPv6 socket too. Returns the bound address
  // ("127.0.0.1:10025"), or unavailable naming the address and the cause.
  Result<std::string> open(const boost::asio::ip::tcp::endpoint& endpoint, bool dual_stack);
  void start();
  // Closes the socket (and cancels a retry wait) on the listener's strand; thread-safe.
  void stop();

 private:
  void do_accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
  void retry_accept(const boost::system::error_code& ec);
  bool take_slot();
  void start_connection(boost::asio::ip::tcp::socket socket);

  IoPool& loops_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;  // on the acceptor's strand
  std::chrono::milliseconds retry_wait_{0};
  std::shared_ptr<ServerState> state_;
};

}  // namespace spe::http
