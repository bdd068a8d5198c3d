// libFuzzer target: any bytes as a /probe target ("host", "host:port", "[v6]:port", ...). parse_target must
// return a value or an error, never crash; a parsed target must print back to text that parses to the same
// target; and a host name must be no text that inet_aton (as getaddrinfo does) reads as an IPv4 address.
#include <arpa/inet.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "util/target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto target = spe::parse_target(text);
  if (!target) return 0;
  if (!target->ip_literal) {
    std::string name = target->host;
    if (name.ends_with('.')) name.pop_back();
    in_addr address{};
    if (inet_aton(name.c_str(), &address) != 0) std::abort();  // a name the resolver takes for an address
  }
  const auto again = spe::parse_target(target->to_string(22));
  if (!again || again->host != target->host || again->port.value_or(22) != target->port.value_or(22) ||
      again->ip_literal != target->ip_literal || again->ipv6 != target->ipv6) {
    std::abort();  // to_string gave text that does not parse back to the same target
  }
  return 0;
}
