#include "http/lingering_close.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

#include <boost/asio/buffer.hpp>

namespace spe::http {
namespace {

constexpr std::size_t kDrainChunk = 4096;
constexpr std::size_t kDrainLimit = 64 * 1024;
constexpr std::chrono::milliseconds kDrainTimeout{1000};

class Drain : public std::enable_shared_from_this<Drain> {
 public:
  Drain(boost::beast::tcp_stream& stream, std::shared_ptr<void> owner) : stream_(stream), owner_(std::move(owner)) {}

  void next() {
    stream_.async_read_some(boost::asio::buffer(chunk_),
                            [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              // EOF, an error, the timeout or enough bytes end it.
                              if (ec || self->drained_ >= kDrainLimit) return;
                              self->next();
                            });
  }

 private:
  boost::beast::tcp_stream& stream_;  // owned by owner_
  std::shared_ptr<void> owner_;
  std::array<char, kDrainChunk> chunk_{};
  std::size_t drained_ = 0;
};

}  // namespace

void lingering_close(boost::beast::tcp_stream& stream, std::chrono::milliseconds read_timeout,
                     std::shared_ptr<void> owner) {
  boost::system::error_code ignored;
  stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  stream.expires_after(std::min(read_timeout, kDrainTimeout));
  std::make_shared<Drain>(stream, std::move(owner))->next();
}

}  // namespace spe::http
