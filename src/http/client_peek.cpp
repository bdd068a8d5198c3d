#include "http/client_peek.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace spe::http {

ClientPeek peek_client(boost::asio::ip::tcp::socket& socket) {
  char byte = 0;
  const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return ClientPeek::bytes;
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return ClientPeek::nothing;
  return ClientPeek::gone;
}

}  // namespace spe::http
