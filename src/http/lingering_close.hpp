// Closing a socket with unread bytes makes the kernel send RST, which can destroy the response the
// client has not read yet (a 413 for a request it is still sending). So a closing plain connection
// first shuts down its sending side, then reads and discards for a while (Apache's "lingering
// close"): until the client's EOF, an error, 64 KiB or a second (less when `read_timeout` is
// shorter), whichever comes first.
#pragma once

#include <chrono>
#include <memory>

#include <boost/beast/core/tcp_stream.hpp>

namespace spe::http {

// Starts the lingering close of `stream`. `owner` (the session that owns the stream) is held until
// the draining ends; the socket closes when the owner is released.
void lingering_close(boost::beast::tcp_stream& stream, std::chrono::milliseconds read_timeout,
                     std::shared_ptr<void> owner);

}  // namespace spe::http
