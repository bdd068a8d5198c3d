// Name lookups off the event loop. getaddrinfo blocks and cannot be cancelled, and Asio's async_resolve runs
// every lookup of an io_context on one hidden thread (docs/libssh.md, "Resolving names"), so one slow name would
// delay every probe behind it. Lookups run here on a pool of threads instead; the answer is delivered through the
// caller's executor. Thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/thread_pool.hpp>

#include "util/result.hpp"

namespace spe {

class Resolver {
 public:
  using Addresses = std::vector<boost::asio::ip::address>;
  using Callback = std::function<void(Result<Addresses>)>;

  explicit Resolver(std::size_t threads);
  ~Resolver();

  // Looks `host` up and calls `done` on `executor`. A name that does not exist is not_found;
  // other lookup failures are unavailable.
  void resolve(std::string host, boost::asio::any_io_executor executor, Callback done);

  // Blocking lookup; what the pool threads run. Exposed for tests.
  static Result<Addresses> lookup(const std::string& host);

 private:
  boost::asio::thread_pool pool_;
};

}  // namespace spe
