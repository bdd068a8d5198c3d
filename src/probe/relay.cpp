#include "probe/relay.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <boost/asio/post.hpp>

#include "probe/descriptors.hpp"

namespace spe {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

bool would_block(int err) { return err == EAGAIN || err == EWOULDBLOCK || err == EINTR; }

}  // namespace

Relay::Relay(asio::any_io_executor executor, Connection& hop, ForwardChannel& channel, LostHandler on_lost)
    : hop_(hop), channel_(channel), on_lost_(std::move(on_lost)), end_(std::move(executor)) {}

Result<int> Relay::open() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    const int err = errno;
    const std::string why = out_of_descriptors(err) ? descriptor_shortage(err) : std::strerror(err);
    return fail(ErrorCode::internal, "socketpair for the jump host's stream: " + why);
  }
  for (const int fd : fds) {
    // Best effort: the kernel caps these at net.core.[rw]mem_max.
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &kSocketBuffer, sizeof kSocketBuffer);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kSocketBuffer, sizeof kSocketBuffer);
  }
  error_code ec;
  end_.assign(asio::generic::stream_protocol(AF_UNIX, 0), fds[1], ec);
  if (ec) {
    ::close(fds[0]);
    ::close(fds[1]);
    return fail(ErrorCode::internal, "cannot watch the jump host's stream: " + ec.message());
  }
  return fds[0];
}

void Relay::start(std::shared_ptr<void> owner) {
  owner_ = std::move(owner);
  pump();
}

void Relay::stop() {
  stopped_ = true;
  error_code ignored;
  end_.close(ignored);
  owner_.reset();
}

void Relay::lost(const Error& error) {
  if (stopped_) return;
  stopped_ = true;
  error_code ignored;
  end_.shutdown(asio::socket_base::shutdown_both, ignored);
  auto on_lost = std::move(on_lost_);
  if (on_lost) on_lost(error);
}

bool Relay::channel_to_socket(std::size_t& moved) {
  Buffer& buffer = *inbound_;
  bool progress = false;
  if (buffer.empty() && !inbound_done_) {
    const auto read = channel_.read(buffer.bytes.data(), buffer.bytes.size());
    if (!read) {
      lost(read.error());
      return false;
    }
    if (read->eof) {
      // The far end closed: the next leg reads the end of its stream.
      inbound_done_ = true;
      ::shutdown(end_.native_handle(), SHUT_WR);
    } else if (read->bytes > 0) {
      buffer.begin = 0;
      buffer.end = read->bytes;
      progress = true;
    }
  }
  if (!buffer.empty()) {
    const ssize_t sent = ::send(end_.native_handle(), buffer.bytes.data() + buffer.begin, buffer.end - buffer.begin,
                                MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent > 0) {
      buffer.begin += static_cast<std::size_t>(sent);
      moved += static_cast<std::size_t>(sent);
      progress = true;
    } else if (sent < 0 && !would_block(errno)) {
      // The next leg closed its end (the probe is ending): nothing more to deliver.
      buffer.begin = buffer.end;
      inbound_done_ = true;
    }
  }
  return progress;
}

bool Relay::socket_to_channel(std::size_t& moved) {
  Buffer& buffer = *outbound_;
  bool progress = false;
  if (buffer.empty() && !outbound_done_) {
    const ssize_t got = ::recv(end_.native_handle(), buffer.bytes.data(), buffer.bytes.size(), MSG_DONTWAIT);
    if (got > 0) {
      buffer.begin = 0;
      buffer.end = static_cast<std::size_t>(got);
      progress = true;
    } else if (got == 0 || !would_block(errno)) {
      outbound_done_ = true;
      channel_.send_eof();
    }
  }
  if (!buffer.empty()) {
    const auto written = channel_.write(buffer.bytes.data() + buffer.begin, buffer.end - buffer.begin);
    if (!written) {
      lost(written.error());
      return false;
    }
    buffer.begin += *written;
    moved += *written;
    progress = progress || *written > 0;
  }
  return progress;
}

void Relay::pump() {
  if (stopped_) return;
  std::size_t moved = 0;
  bool progress = true;
  while (progress && moved < kTurnBudget) {
    progress = channel_to_socket(moved);
    if (stopped_) return;
    progress = socket_to_channel(moved) || progress;
    if (stopped_) return;
  }
  if (moved >= kTurnBudget) {
    // More may be ready: come back after the handlers already queued, the deadline's among them.
    if (!pump_posted_) {
      pump_posted_ = true;
      asio::post(end_.get_executor(), [this, owner = owner_] {
        pump_posted_ = false;
        pump();
      });
    }
    return;
  }
  arm_waits();
}

void Relay::arm_waits() {
  // The hop's socket: channel data, window adjustments and the hop's own messages arrive there.
  if (!waiting_hop_) {
    waiting_hop_ = true;
    hop_.when_ready([this, owner = owner_](error_code ec) {
      waiting_hop_ = false;
      if (stopped_) return;
      if (ec) return lost(Error{ErrorCode::unavailable, "waiting for the jump host: " + ec.message(), {}});
      pump();
    });
  }
  // Each wait below follows a send or recv that would have blocked, so an edge will come.
  if (outbound_->empty() && !outbound_done_ && !waiting_read_) {
    waiting_read_ = true;
    end_.async_wait(asio::socket_base::wait_read, [this, owner = owner_](error_code) {
      waiting_read_ = false;
      pump();
    });
  }
  if (!inbound_->empty() && !waiting_write_) {
    waiting_write_ = true;
    end_.async_wait(asio::socket_base::wait_write, [this, owner = owner_](error_code) {
      waiting_write_ = false;
      pump();
    });
  }
}

void Relay::flush_outbound() {
  if (stopped_) return;
  std::size_t moved = 0;
  for (int pass = 0; pass < 4 && socket_to_channel(moved) && !stopped_; ++pass) {
  }
}

}  // namespace spe
