#include "probe/connect_order.hpp"

#include <algorithm>

namespace spe {

std::vector<boost::asio::ip::address> connect_order(std::vector<boost::asio::ip::address> addresses,
                                                    IpProtocol preferred) {
  std::ranges::stable_partition(addresses, [preferred](const boost::asio::ip::address& address) {
    return address.is_v6() == (preferred == IpProtocol::ip6);
  });
  return addresses;
}

}  // namespace spe
