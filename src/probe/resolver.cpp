#include "probe/resolver.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

namespace spe {

namespace asio = boost::asio;

Resolver::Resolver(std::size_t threads) : pool_(threads) {}

Resolver::~Resolver() {
  pool_.stop();
  pool_.join();
}

void Resolver::resolve(std::string host, asio::any_io_executor executor, Callback done) {
  asio::post(pool_, [host = std::move(host), executor = std::move(executor), done = std::move(done)]() mutable {
    auto result = lookup(host);
    asio::post(executor, [done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
  });
}

Result<Resolver::Addresses> Resolver::lookup(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* list = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &list);
  if (rc != 0) {
    const ErrorCode code = (rc == EAI_NONAME || rc == EAI_NODATA) ? ErrorCode::not_found : ErrorCode::unavailable;
    return fail(code, "cannot resolve \"" + host + "\": " + ::gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owned(list, &::freeaddrinfo);
  Addresses addresses;
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    asio::ip::tcp::endpoint endpoint;
    if (ai->ai_addrlen > endpoint.capacity()) continue;
    std::memcpy(endpoint.data(), ai->ai_addr, ai->ai_addrlen);
    addresses.push_back(endpoint.address());
  }
  if (addresses.empty()) return fail(ErrorCode::not_found, "cannot resolve \"" + host + "\": no addresses");
  return addresses;
}

}  // namespace spe
