#include "probe/forward_channel.hpp"

#include <climits>
#include <utility>

namespace spe {

ForwardChannel::ForwardChannel(SshSession& session, std::string peer)
    : session_(session), peer_(std::move(peer)), channel_(ssh_channel_new(session.session_.get())) {}

ForwardChannel::~ForwardChannel() {
  if (channel_ != nullptr) ssh_channel_free(channel_);
}

Result<Progress> ForwardChannel::open(const std::string& host, unsigned short port) {
  if (channel_ == nullptr) return fail(ErrorCode::internal, "cannot allocate a channel");
  // The originator is only informative (OpenSSH logs it); no local socket stands behind it.
  switch (ssh_channel_open_forward(channel_, host.c_str(), port, "127.0.0.1", 0)) {
    case SSH_OK: return Progress::done;
    case SSH_AGAIN: return Progress::again;
    default:
      return std::unexpected(session_.last_error(ErrorCode::unavailable, peer_ + " did not open a channel to " + host +
                                                                             ":" + std::to_string(port)));
  }
}

Result<ForwardChannel::ReadResult> ForwardChannel::read(char* buffer, std::size_t size) {
  const auto capped = static_cast<uint32_t>(size > UINT32_MAX ? UINT32_MAX : size);
  const int rc = ssh_channel_read_nonblocking(channel_, buffer, capped, 0);
  if (rc > 0) return ReadResult{static_cast<std::size_t>(rc), false};
  if (rc == SSH_EOF || (rc == 0 && ssh_channel_is_closed(channel_) != 0)) return ReadResult{0, true};
  if (rc == 0) return ReadResult{};
  return std::unexpected(session_.last_error(ErrorCode::unavailable, "reading the forwarded channel"));
}

Result<std::size_t> ForwardChannel::write(const char* data, std::size_t size) {
  const auto capped = static_cast<uint32_t>(size > INT_MAX ? INT_MAX : size);
  const int rc = ssh_channel_write(channel_, data, capped);
  if (rc >= 0) return static_cast<std::size_t>(rc);
  return std::unexpected(session_.last_error(ErrorCode::unavailable, "writing the forwarded channel"));
}

void ForwardChannel::send_eof() {
  if (channel_ != nullptr && ssh_channel_is_open(channel_) != 0) ssh_channel_send_eof(channel_);
}

}  // namespace spe
