// The bridge a jump host makes: bytes from its forwarded channel go to one end of a socketpair and
// bytes from that end go into the channel, so the next leg of the chain (the next hop's session or
// the target's) runs over the other end as over a TCP socket. Runs on the probe's strand, driven by
// the readiness of the hop's socket and of its own end; never blocks: both buffers are bounded,
// and a full side stops reading the other (the SSH window then holds the far end back).
//
// libssh writes to the next leg's end with blocking sends of a few KB; the relay keeps reading its
// end whenever data is there, so such a send never finds the socketpair full for long (its buffers
// are raised to kSocketBuffer). Not thread-safe: every call and handler runs on the probe's strand.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/generic/stream_protocol.hpp>

#include "probe/connection.hpp"
#include "probe/forward_channel.hpp"
#include "util/result.hpp"

namespace spe {

class Relay {
 public:
  // Called once, on the strand, when the hop's session fails while relaying (the hop went away, say).
  // The relay has then shut its end down, so the next leg sees the stream end.
  using LostHandler = std::function<void(const Error&)>;

  static constexpr std::size_t kBufferBytes = 64 * 1024;  // each direction
  static constexpr int kSocketBuffer = 256 * 1024;        // asked of both socketpair ends
  // Bytes moved per turn before the relay lets the strand run other handlers (the deadline's).
  static constexpr std::size_t kTurnBudget = 256 * 1024;

  // `executor` is the probe's strand; `hop` is the jump host's connection whose session holds
  // `channel`, an open forwarded channel. Both must outlive the relay.
  Relay(boost::asio::any_io_executor executor, Connection& hop, ForwardChannel& channel, LostHandler on_lost);
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  // Makes the socketpair and returns the next leg's end (the caller owns it). Fails with internal
  // when the exporter is out of descriptors.
  Result<int> open();

  // Starts relaying. Every handler it leaves pending holds `owner` (the probe that owns the relay,
  // the hop's connection and the channel), so none outlives them.
  void start(std::shared_ptr<void> owner);

  // At the end of a probe: moves what the next leg has written already (its goodbye) into the
  // channel, without waiting for anything.
  void flush_outbound();

  // No handler acts any more; closes the relay's end (the next leg sees the stream end).
  void stop();

 private:
  void pump();
  void arm_waits();
  void lost(const Error& error);
  // One direction each; true when bytes moved.
  bool channel_to_socket(std::size_t& moved);
  bool socket_to_channel(std::size_t& moved);

  struct Buffer {
    std::array<char, kBufferBytes> bytes;
    std::size_t begin = 0;
    std::size_t end = 0;
    bool empty() const { return begin == end; }
  };

  Connection& hop_;
  ForwardChannel& channel_;
  LostHandler on_lost_;
  boost::asio::generic::stream_protocol::socket end_;  // the relay's end of the socketpair
  std::shared_ptr<void> owner_;
  std::unique_ptr<Buffer> inbound_ = std::make_unique<Buffer>();   // channel -> next leg
  std::unique_ptr<Buffer> outbound_ = std::make_unique<Buffer>();  // next leg -> channel
  bool inbound_done_ = false;                                      // the channel ended, or the next leg is gone
  bool outbound_done_ = false;                                     // the next leg ended its output
  bool waiting_hop_ = false;
  bool waiting_read_ = false;
  bool waiting_write_ = false;
  bool pump_posted_ = false;
  bool stopped_ = false;
};

}  // namespace spe
