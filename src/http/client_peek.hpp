// What waits on a plain connection's socket, read without consuming it: how a session tells a
// client that has gone (EOF, reset) from one that sends its next request while a response is
// pending. A TLS client's close is a record that only decrypting tells from data: TLS sessions
// read instead.
#pragma once

#include <boost/asio/ip/tcp.hpp>

namespace spe::http {

enum class ClientPeek {
  bytes,    // a pipelined request
  nothing,  // nothing yet
  gone,     // EOF or an error: the client has gone
};

// Never blocks.
ClientPeek peek_client(boost::asio::ip::tcp::socket& socket);

}  // namespace spe::http
