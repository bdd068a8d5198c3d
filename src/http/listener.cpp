#include "http/listener.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/strand.hpp>

#include "http/endpoint_text.hpp"
#include "http/session.hpp"

namespace spe::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// accept() that failed for want of descriptors (EMFILE, ENFILE) or memory fails again at once while
// connections wait in the backlog: retrying at once would spin a core until a descriptor is free.
// The listener waits instead, doubling from the first to the longest wait, until an accept succeeds.
constexpr std::chrono::milliseconds kAcceptRetryFirst{5};
constexpr std::chrono::milliseconds kAcceptRetryLongest{250};

}  // namespace

Listener::Listener(IoPool& loops, std::shared_ptr<ServerState> state)
    : loops_(loops),
      acceptor_(asio::make_strand(loops.main())),
      retry_timer_(acceptor_.get_executor()),
      state_(std::move(state)) {}

Result<std::string> Listener::open(const tcp::endpoint& endpoint, bool dual_stack) {
  error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && dual_stack) acceptor_.set_option(asio::ip::v6_only(false), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail(ErrorCode::unavailable, "cannot listen on " + endpoint_text(endpoint) + ": " + ec.message());
  return endpoint_text(acceptor_.local_endpoint());
}

void Listener::start() { do_accept(); }

void Listener::stop() {
  asio::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
    error_code ignored;
    self->acceptor_.close(ignored);
    self->retry_timer_.cancel();
  });
}

void Listener::do_accept() {
  // Each connection lives on the next loop in turn, and its probes with it.
  acceptor_.async_accept(asio::make_strand(loops_.next()),
                         [self = shared_from_this()](error_code ec, tcp::socket socket) {
                           self->on_accept(ec, std::move(socket));
                         });
}

void Listener::on_accept(error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) return retry_accept(ec);
  if (retry_wait_ != std::chrono::milliseconds::zero()) {
    state_->logger.info("accepting again", {{"address", endpoint_text(acceptor_.local_endpoint())}});
  }
  retry_wait_ = std::chrono::milliseconds::zero();
  start_connection(std::move(socket));
  do_accept();
}

// Out of descriptors (EMFILE) and the like: accept again after a wait, when a probe that ended
// may have freed some. Clients wait in the backlog meanwhile. The first failure of a run is a
// warning; the retries that follow it are not logged again until an accept succeeds.
void Listener::retry_accept(const error_code& ec) {
  if (retry_wait_ == std::chrono::milliseconds::zero()) {
    error_code ignored;
    state_->logger.warn("accept failed, retrying with back-off",
                        {{"address", endpoint_text(acceptor_.local_endpoint(ignored))}, {"err", ec.message()}});
  }
  retry_wait_ = retry_wait_ == std::chrono::milliseconds::zero() ? kAcceptRetryFirst
                                                                 : std::min(retry_wait_ * 2, kAcceptRetryLongest);
  retry_timer_.expires_after(retry_wait_);
  retry_timer_.async_wait([self = shared_from_this()](error_code wait_ec) {
    if (wait_ec || !self->acceptor_.is_open()) return;
    self->do_accept();
  });
}

// A slot for a new connection: a free one, or else the one of the connection idle longest,
// which is closed. False when every connection is busy with a request.
bool Listener::take_slot() {
  if (state_->connections.fetch_add(1) < state_->limits.max_connections) return true;
  if (const auto oldest = state_->idle.take_oldest()) {
    oldest->evict();  // gives its slot back
    return true;
  }
  state_->connections.fetch_sub(1);
  return false;
}

// Over a cap (the client's own, or everyone's with no connection idle) the socket is closed
// before a byte is read; so is one whose client has already gone.
void Listener::start_connection(tcp::socket socket) {
  error_code ec;
  const auto source = socket.remote_endpoint(ec).address();
  if (ec || !state_->sources.add(source)) return;
  if (!take_slot()) {
    state_->sources.remove(source);
    return;
  }
  try {
    start_session(std::move(socket), source, state_);
  } catch (const std::exception& e) {
    // OpenSSL could not make a session (out of memory): the socket closes with this frame.
    state_->connections.fetch_sub(1);
    state_->sources.remove(source);
    state_->logger.warn("cannot start a session", {{"peer", source.to_string()}, {"err", e.what()}});
  }
}

}  // namespace spe::http
