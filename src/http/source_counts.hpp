// Connections open per client address, for ServerLimits::max_connections_per_source. Thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>

#include <boost/asio/ip/address.hpp>

namespace spe::http {

class SourceCounts {
 public:
  explicit SourceCounts(std::size_t cap) : cap_(cap) {}

  // Counts one more connection from `source`; false, and nothing counted, when it has `cap` open.
  bool add(const boost::asio::ip::address& source) {
    if (cap_ == 0) return true;
    const std::lock_guard lock(mutex_);
    std::size_t& open = counts_[source];
    if (open >= cap_) return false;
    ++open;
    return true;
  }

  // One connection from `source` counted by add() has closed.
  void remove(const boost::asio::ip::address& source) {
    if (cap_ == 0) return;
    const std::lock_guard lock(mutex_);
    const auto it = counts_.find(source);
    if (it != counts_.end() && --it->second == 0) counts_.erase(it);
  }

 private:
  const std::size_t cap_;  // 0: no cap
  std::mutex mutex_;
  std::map<boost::asio::ip::address, std::size_t> counts_;  // only sources with connections open
};

}  // namespace spe::http
