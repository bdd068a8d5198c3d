#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "probe/connect_order.hpp"

using namespace spe;

namespace {

std::vector<boost::asio::ip::address> addresses(const std::vector<std::string>& texts) {
  std::vector<boost::asio::ip::address> result;
  for (const std::string& text : texts) result.push_back(boost::asio::ip::make_address(text));
  return result;
}

}  // namespace

TEST_CASE("the preferred family is tried first, each family in the resolver's order", "[unit][connect_order]") {
  const auto mixed = addresses({"127.0.0.1", "::1", "127.0.0.2", "::2"});
  CHECK(connect_order(mixed, IpProtocol::ip6) == addresses({"::1", "::2", "127.0.0.1", "127.0.0.2"}));
  CHECK(connect_order(mixed, IpProtocol::ip4) == addresses({"127.0.0.1", "127.0.0.2", "::1", "::2"}));
}

TEST_CASE("a single family falls back to itself in the resolver's order", "[unit][connect_order]") {
  CHECK(connect_order(addresses({"127.0.0.3", "127.0.0.1"}), IpProtocol::ip6) ==
        addresses({"127.0.0.3", "127.0.0.1"}));
  CHECK(connect_order(addresses({"::3", "::1"}), IpProtocol::ip4) == addresses({"::3", "::1"}));
  CHECK(connect_order({}, IpProtocol::ip4).empty());
}

TEST_CASE("a v4-mapped v6 address counts as v6", "[unit][connect_order]") {
  CHECK(connect_order(addresses({"127.0.0.1", "::ffff:127.0.0.1"}), IpProtocol::ip6) ==
        addresses({"::ffff:127.0.0.1", "127.0.0.1"}));
}
