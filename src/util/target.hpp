// Target parsing: "host", "host:port", "1.2.3.4:22", "[2001:db8::1]:22", "2001:db8::1". Pure. In util, as probe
// targets, allowed_targets patterns and the listen addresses of the command line are all written this way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace spe {

struct Target {
  std::string host;                   // without brackets
  std::optional<std::uint16_t> port;  // nullopt: the module's port
  bool ip_literal = false;            // host is an IPv4 or IPv6 address (no lookup needed)
  bool ipv6 = false;                  // host is an IPv6 literal

  // "host:port" with brackets around IPv6 literals, using `default_port` when none was given.
  std::string to_string(std::uint16_t default_port) const;
};

// Error code invalid_argument with a message that says what is wrong with the target
// (empty, bad port, unbalanced brackets, characters not allowed in a host name, an IPv4 address
// in a form other than the dotted quad, ...).
Result<Target> parse_target(std::string_view text);

// The dotted quad of `host` (a trailing '.' ignored) when inet_aton reads it as an IPv4 address
// that inet_pton refuses: "0x7f.1", "0x7f000001", "2130706433", "127.1", "0177.0.0.1" all give
// "127.0.0.1". getaddrinfo reads such text the same way and connects to that address, so it is an
// address, never a host name; nullopt for a dotted quad and for anything inet_aton refuses.
std::optional<std::string> ambiguous_ipv4(std::string_view host);

}  // namespace spe
