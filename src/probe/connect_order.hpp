// The order in which a probe tries a target's addresses. Pure.
#pragma once

#include <vector>

#include <boost/asio/ip/address.hpp>

#include "config/model.hpp"

namespace spe {

// The addresses of the `preferred` family first, then those of the other; within each family the
// resolver's order is kept. The probe tries them one after another until one connects (as ssh does).
std::vector<boost::asio::ip::address> connect_order(std::vector<boost::asio::ip::address> addresses,
                                                    IpProtocol preferred);

}  // namespace spe
