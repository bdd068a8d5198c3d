// One accepted connection: (TLS handshake,) read a request, check credentials, hand it to the
// handler, write its response, repeat while keep-alive lasts; then a lingering close. While the
// handler works the client is watched, and its departure cancels the work (ClientWatch).
#pragma once

#include <memory>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "http/server_state.hpp"

namespace spe::http {

// Starts a session on the socket's executor, TLS when state->tls is set. The listener has already
// counted the connection in state->connections, and in state->sources for `source`, its client's
// address; the session gives both back when it closes. Throws when OpenSSL cannot make a session
// (out of memory): the caller gives the counts back, and the socket closes with its frame.
void start_session(boost::asio::ip::tcp::socket socket, boost::asio::ip::address source,
                   std::shared_ptr<ServerState> state);

}  // namespace spe::http
