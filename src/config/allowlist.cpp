// Pattern parsing (inet_pton for addresses, a character whitelist for globs) and matching.
#include "config/allowlist.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "util/target.hpp"

namespace spe {
namespace {

struct Address {
  std::array<std::uint8_t, 16> bytes{};
  bool ipv6 = false;
};

std::unexpected<Error> bad_pattern(std::string_view text, const std::string& why) {
  return fail(ErrorCode::invalid_argument, "invalid pattern \"" + std::string(text) + "\": " + why);
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) { return lower(c); });
  return out;
}

std::string_view without_trailing_dot(std::string_view name) {
  return name.ends_with('.') ? name.substr(0, name.size() - 1) : name;
}

// ::ffff:a.b.c.d is the IPv4 address a.b.c.d: a connection to it goes there.
Address unmapped(Address address) {
  static constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!address.ipv6 || std::memcmp(address.bytes.data(), kMappedPrefix, sizeof kMappedPrefix) != 0) {
    return address;
  }
  Address v4;
  std::copy_n(address.bytes.begin() + 12, 4, v4.bytes.begin());
  return v4;
}

std::optional<Address> parse_address(std::string_view text) {
  // inet_pton reads a C string: "10.0.0.1\0junk" would pass as 10.0.0.1. Such text is no address.
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string copy(text);
  Address address;
  if (inet_pton(AF_INET, copy.c_str(), address.bytes.data()) == 1) return address;
  address.ipv6 = true;
  if (inet_pton(AF_INET6, copy.c_str(), address.bytes.data()) == 1) return address;
  return std::nullopt;
}

// Whether the first `prefix` bits of a and b agree.
bool same_prefix(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b, int prefix) {
  const auto whole = static_cast<std::size_t>(prefix / 8);
  if (!std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(whole), b.begin())) return false;
  const int rest = prefix % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

// Whether every bit from `prefix` up to `max_prefix` is 0 (10.0.0.0/8, not 10.1.2.3/8).
bool host_bits_clear(const std::array<std::uint8_t, 16>& bytes, int prefix, int max_prefix) {
  for (int bit = prefix; bit < max_prefix; ++bit) {
    if ((bytes[static_cast<std::size_t>(bit / 8)] & (0x80 >> (bit % 8))) != 0) return false;
  }
  return true;
}

struct HostAndPort {
  std::string_view host;
  std::optional<std::string_view> port;  // the text after ':'
};

// "[v6 or v6/len]:port", "host:port", "v4/len:port"; more than one ':' without brackets is IPv6.
Result<HostAndPort> split_pattern(std::string_view text) {
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return bad_pattern(text, "missing closing ']'");
    const std::string_view rest = text.substr(close + 1);
    if (rest.empty()) return HostAndPort{text.substr(1, close - 1), std::nullopt};
    if (rest.front() != ':') return bad_pattern(text, "unexpected \"" + std::string(rest) + "\" after ']'");
    return HostAndPort{text.substr(1, close - 1), rest.substr(1)};
  }
  const auto colons = std::count(text.begin(), text.end(), ':');
  if (colons == 1) {
    const auto colon = text.find(':');
    return HostAndPort{text.substr(0, colon), text.substr(colon + 1)};
  }
  return HostAndPort{text, std::nullopt};
}

std::optional<std::string> parse_port(std::string_view port, TargetPattern& pattern) {
  if (port == "*") {
    pattern.any_port = true;
    return std::nullopt;
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value < 1 || value > 65535) {
    return "port must be from 1 to 65535 or *";
  }
  pattern.port = static_cast<std::uint16_t>(value);
  return std::nullopt;
}

std::optional<std::string> parse_network(std::string_view host, TargetPattern& pattern) {
  const auto slash = host.find('/');
  const auto address = parse_address(host.substr(0, slash));
  if (!address)
    return slash == std::string_view::npos ? "not a valid IP address" : "not a valid IP address before '/'";
  const int max_prefix = address->ipv6 ? 128 : 32;
  int prefix = max_prefix;
  if (slash != std::string_view::npos) {
    const std::string_view length = host.substr(slash + 1);
    const auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), prefix);
    if (length.empty() || ec != std::errc{} || end != length.data() + length.size() || prefix < 0 ||
        prefix > max_prefix) {
      return "prefix length must be from 0 to " + std::to_string(max_prefix);
    }
  }
  // 10.1.2.3/8 is most likely a typo for 10.1.2.3/32 or 10.0.0.0/8: say so rather than guess.
  if (!host_bits_clear(address->bytes, prefix, max_prefix)) {
    return "address has bits set beyond the prefix length";
  }
  pattern.kind = TargetPattern::Kind::network;
  pattern.address = address->bytes;
  pattern.ipv6 = address->ipv6;
  pattern.prefix = prefix;
  return std::nullopt;
}

bool glob_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '*' || c == '?';
}

std::optional<std::string> parse_glob(std::string_view host, TargetPattern& pattern) {
  if (!std::all_of(host.begin(), host.end(), glob_char)) {
    return "a host pattern may hold letters, digits, '-', '.', '_', '*' and '?' only";
  }
  const std::string_view name = without_trailing_dot(host);
  if (name.empty()) return "empty host pattern";
  // "10.0.0.*" reads like a network but a glob never matches an address: ask for the CIDR.
  const auto address_char = [](char c) { return (c >= '0' && c <= '9') || c == '.' || c == '*' || c == '?'; };
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (std::all_of(name.begin(), name.end(), address_char) && std::any_of(name.begin(), name.end(), digit)) {
    return "host patterns match names only; write addresses as a CIDR such as 10.0.0.0/24";
  }
  // "0x7f.1" is 127.0.0.1 to a resolver: as a name it would let a glob stand for an address.
  if (const auto address = ambiguous_ipv4(name)) {
    return "an IPv4 address in a form that is ambiguous, write it as " + *address;
  }
  pattern.kind = TargetPattern::Kind::host_glob;
  pattern.glob = lower(name);
  return std::nullopt;
}

}  // namespace

Result<TargetPattern> parse_target_pattern(std::string_view text) {
  if (text.empty()) return fail(ErrorCode::invalid_argument, "invalid pattern \"\": empty");
  const auto split = split_pattern(text);
  if (!split) return std::unexpected(split.error());
  TargetPattern pattern;
  pattern.text = std::string(text);
  if (split->port) {
    if (auto why = parse_port(*split->port, pattern)) return bad_pattern(text, *why);
  }
  const bool address_like = split->host.find(':') != std::string_view::npos ||
                            split->host.find('/') != std::string_view::npos || parse_address(split->host).has_value();
  const auto why = address_like ? parse_network(split->host, pattern) : parse_glob(split->host, pattern);
  if (why) return bad_pattern(text, *why);
  return pattern;
}

bool glob_match(std::string_view glob, std::string_view name) {
  // Iterative wildcard match with one backtrack point: linear in practice, no recursion.
  std::size_t g = 0, n = 0, star = std::string_view::npos, resume = 0;
  while (n < name.size()) {
    if (g < glob.size() && (glob[g] == '?' || lower(glob[g]) == lower(name[n]))) {
      ++g;
      ++n;
    } else if (g < glob.size() && glob[g] == '*') {
      star = g++;
      resume = n;
    } else if (star != std::string_view::npos) {
      g = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

bool pattern_allows(const TargetPattern& pattern, std::string_view host, bool ip_literal, std::uint16_t port,
                    std::uint16_t module_port) {
  if (!pattern.any_port && port != pattern.port.value_or(module_port)) return false;
  if (pattern.kind == TargetPattern::Kind::host_glob) {
    // A name that inet_aton reads as an address is one (target parsing refuses it already).
    return !ip_literal && !ambiguous_ipv4(host) && glob_match(pattern.glob, without_trailing_dot(host));
  }
  if (!ip_literal) return false;
  const auto address = parse_address(host);
  if (!address) return false;
  const Address target = unmapped(*address);
  Address network;
  network.bytes = pattern.address;
  network.ipv6 = pattern.ipv6;
  // A pattern written as ::ffff:10.0.0.0/104 is an IPv4 network too.
  if (pattern.ipv6 && pattern.prefix >= 96 && !unmapped(network).ipv6) {
    network = unmapped(network);
    return !target.ipv6 && same_prefix(network.bytes, target.bytes, pattern.prefix - 96);
  }
  return target.ipv6 == network.ipv6 && same_prefix(network.bytes, target.bytes, pattern.prefix);
}

bool TargetAllowlist::allows(const Target& target, std::uint16_t module_port) const {
  const std::uint16_t port = target.port.value_or(module_port);
  return std::any_of(patterns_.begin(), patterns_.end(), [&](const TargetPattern& pattern) {
    return pattern_allows(pattern, target.host, target.ip_literal, port, module_port);
  });
}

}  // namespace spe
