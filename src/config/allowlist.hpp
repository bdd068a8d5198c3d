// A module's allowed_targets: which targets a probe request may name. The exporter logs in with
// the module's credentials, so without a list anyone who can reach /probe could make it open SSH
// sessions to any host and port. Pure. Part of the config, which compiles the patterns at load time;
// /probe asks the compiled list, from above.
//
// Pattern syntax (each optionally followed by ":PORT" or ":*"; IPv6 with a port in brackets):
//   10.0.0.0/8, 2001:db8::/32       a network: matches IP-literal targets inside it
//   10.1.2.3, 2001:db8::1           one address (a /32 or /128)
//   *.example.com, db?.internal     a host name glob: '*' any run of characters (dots too), '?' one
//   db1.example.com                 one host name; names compare case-insensitively, a trailing '.'
//                                   ignored
//   [2001:db8::/32]:22, db1:*       with a port; no port means the module's `port` only
//
// A host name target is matched against the globs only, before any lookup: its resolved addresses
// are not checked against the networks (DNS belongs to the operator; a name the operator allowed
// stays allowed wherever it points, and a request cannot reach an address through a name the list
// does not allow). An IP-literal target is matched against networks and addresses only; an
// IPv4-mapped IPv6 address (::ffff:10.1.2.3) counts as the IPv4 address it maps. Text that
// inet_aton reads as an IPv4 address ("0x7f.1", "2130706433", "127.1") is an address, never a name:
// no glob matches it and no pattern may be written that way.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace spe {

struct Target;

struct TargetPattern {
  enum class Kind { network, host_glob };

  Kind kind = Kind::host_glob;
  std::string text;  // as written in the config
  // Kind::network: address bytes (IPv4 in the first 4), family and prefix length.
  std::array<std::uint8_t, 16> address{};
  bool ipv6 = false;
  int prefix = 0;
  // Kind::host_glob: lower case, without a trailing '.'.
  std::string glob;
  // nullopt: the module's port only. any_port: every port.
  std::optional<std::uint16_t> port;
  bool any_port = false;
};

// One pattern. invalid_argument with a message naming the problem, e.g.
// `invalid pattern "10.0.0.0/33": prefix length must be from 0 to 32`.
Result<TargetPattern> parse_target_pattern(std::string_view text);

// Glob match for host names: '*' any run of characters (dots included), '?' exactly one;
// ASCII case-insensitive. Both arguments as they are (no trailing-dot handling here).
bool glob_match(std::string_view glob, std::string_view name);

// Whether one pattern allows (host, port). `host` is a Target's host: an IP literal (IPv6 without
// brackets) or a name; `ip_literal` says which. `port` is the effective port and `module_port` the
// module's `port`, which a pattern without a port stands for.
bool pattern_allows(const TargetPattern& pattern, std::string_view host, bool ip_literal, std::uint16_t port,
                    std::uint16_t module_port);

// The compiled allowed_targets of one module. Immutable, shared read-only by probes.
class TargetAllowlist {
 public:
  explicit TargetAllowlist(std::vector<TargetPattern> patterns) : patterns_(std::move(patterns)) {}

  // Whether any pattern allows `target` (its port, else module_port).
  bool allows(const Target& target, std::uint16_t module_port) const;

  const std::vector<TargetPattern>& patterns() const { return patterns_; }

 private:
  std::vector<TargetPattern> patterns_;
};

}  // namespace spe
