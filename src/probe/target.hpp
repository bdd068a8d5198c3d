// Target parsing: "host", "host:port", "1.2.3.4:22", "[2001:db8::1]:22", "2001:db8::1". Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace spe {

struct Target {
  std::string host;                  // without brackets
  std::optional<std::uint16_t> port; // nullopt: the module's port
  bool ip_literal = false;           // host is an IPv4 or IPv6 address (no lookup needed)
  bool ipv6 = false;                 // host is an IPv6 literal

  // "host:port" with brackets around IPv6 literals, using `default_port` when none was given.
  std::string to_string(std::uint16_t default_port) const;
};

// Error code invalid_argument with a message that says what is wrong with the target
// (empty, bad port, unbalanced brackets, characters not allowed in a host name, ...).
Result<Target> parse_target(std::string_view text);

}  // namespace spe
