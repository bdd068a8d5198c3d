// Target parsing: splits host and port, recognises IP literals with inet_pton and checks host
// names against RFC 1123 (plus '_', which real inventories contain).
#include "util/target.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>

namespace spe {
namespace {

constexpr std::size_t kMaxHostNameLength = 253;
constexpr std::size_t kMaxLabelLength = 63;

struct HostPort {
  std::string_view host;
  std::optional<std::string_view> port;  // text after the ':' when there was one
};

// inet_pton reads a C string: text with a NUL byte would be judged by its part before the NUL
// ("::1\0junk" as "::1"), so it is never an address.
bool has_nul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

bool is_ipv4(std::string_view text) {
  if (has_nul(text)) return false;
  const std::string copy(text);
  in_addr addr{};
  return inet_pton(AF_INET, copy.c_str(), &addr) == 1;
}

bool is_ipv6(std::string_view text) {
  if (has_nul(text)) return false;
  const std::string copy(text);
  in6_addr addr{};
  return inet_pton(AF_INET6, copy.c_str(), &addr) == 1;
}

// A character as it may be shown inside '...' in a message: printable ASCII as is, else \xHH.
std::string show_char(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x20 && byte < 0x7f) return std::string(1, c);
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", byte);
  return buf;
}

Result<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty()) return fail(ErrorCode::invalid_argument, "missing port after ':'");
  const bool digits = std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) {
    return fail(ErrorCode::invalid_argument, "invalid port \"" + std::string(text) + "\": not a number");
  }
  unsigned long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < 1 || value > 65535) {
    return fail(ErrorCode::invalid_argument, "invalid port \"" + std::string(text) + "\": out of range 1-65535");
  }
  return static_cast<std::uint16_t>(value);
}

Result<HostPort> split_bracketed(std::string_view text) {
  const auto close = text.find(']');
  if (close == std::string_view::npos) return fail(ErrorCode::invalid_argument, "missing closing ']'");
  const std::string_view host = text.substr(1, close - 1);
  const std::string_view rest = text.substr(close + 1);
  if (host.find('%') != std::string_view::npos) {
    return fail(ErrorCode::invalid_argument, "IPv6 zone ids are not supported");
  }
  if (!is_ipv6(host)) {
    return fail(ErrorCode::invalid_argument, "brackets are only allowed around an IPv6 address");
  }
  if (rest.empty()) return HostPort{host, std::nullopt};
  if (rest.front() != ':') {
    return fail(ErrorCode::invalid_argument, "unexpected \"" + std::string(rest) + "\" after ']'");
  }
  return HostPort{host, rest.substr(1)};
}

// Without brackets: one ':' separates host and port; two or more mean a bare IPv6 address.
Result<HostPort> split_plain(std::string_view text) {
  const auto colons = std::count(text.begin(), text.end(), ':');
  if (colons == 0) return HostPort{text, std::nullopt};
  if (colons == 1) {
    const auto colon = text.find(':');
    if (colon == 0) return fail(ErrorCode::invalid_argument, "missing host before ':'");
    return HostPort{text.substr(0, colon), text.substr(colon + 1)};
  }
  if (text.find('%') != std::string_view::npos) {
    return fail(ErrorCode::invalid_argument, "IPv6 zone ids are not supported");
  }
  if (!is_ipv6(text)) {
    return fail(ErrorCode::invalid_argument,
                "not a valid IPv6 address (an IPv6 address with a port is written [addr]:port)");
  }
  return HostPort{text, std::nullopt};
}

std::optional<Error> check_label(std::string_view label) {
  if (label.empty()) return Error{ErrorCode::invalid_argument, "empty label in host name", std::nullopt};
  if (label.size() > kMaxLabelLength) {
    return Error{ErrorCode::invalid_argument,
                 "host name label longer than " + std::to_string(kMaxLabelLength) + " characters", std::nullopt};
  }
  if (label.front() == '-' || label.back() == '-') {
    return Error{ErrorCode::invalid_argument, "host name label \"" + std::string(label) + "\" starts or ends with '-'",
                 std::nullopt};
  }
  return std::nullopt;
}

std::optional<Error> check_host_name(std::string_view host) {
  for (const char c : host) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
    if (!ok) {
      return Error{ErrorCode::invalid_argument, "invalid character '" + show_char(c) + "' in host name", std::nullopt};
    }
  }
  // "0x7f.1" is 127.0.0.1 to the resolver: an address, which a glob for names must never match.
  if (const auto address = ambiguous_ipv4(host)) {
    return Error{ErrorCode::invalid_argument, "an IPv4 address in a form that is ambiguous, write it as " + *address,
                 std::nullopt};
  }
  // A fully qualified name may end in '.'; it does not count toward the limits.
  const std::string_view name = host.ends_with('.') ? host.substr(0, host.size() - 1) : host;
  if (name.size() > kMaxHostNameLength) {
    return Error{ErrorCode::invalid_argument,
                 "host name longer than " + std::to_string(kMaxHostNameLength) + " characters", std::nullopt};
  }
  if (name.empty()) return Error{ErrorCode::invalid_argument, "empty label in host name", std::nullopt};
  // Digits and dots only is an attempt at an IPv4 address that inet_pton refused ("1.2.3.999");
  // a resolver would guess at it (inet_aton reads "1.2.3" as 1.2.0.3), so refuse it here.
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  if (std::all_of(name.begin(), name.end(), [&](char c) { return c == '.' || is_digit(c); }) &&
      std::any_of(name.begin(), name.end(), is_digit)) {
    return Error{ErrorCode::invalid_argument, "not a valid IPv4 address", std::nullopt};
  }
  std::size_t start = 0;
  while (start <= name.size()) {
    const auto dot = std::min(name.find('.', start), name.size());
    if (auto error = check_label(name.substr(start, dot - start))) return error;
    start = dot + 1;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> ambiguous_ipv4(std::string_view host) {
  if (host.ends_with('.')) host.remove_suffix(1);
  if (host.empty() || has_nul(host) || is_ipv4(host)) return std::nullopt;
  const std::string copy(host);
  in_addr addr{};
  if (inet_aton(copy.c_str(), &addr) == 0) return std::nullopt;
  char text[INET_ADDRSTRLEN];
  if (inet_ntop(AF_INET, &addr, text, sizeof text) == nullptr) return std::nullopt;
  return std::string(text);
}

std::string Target::to_string(std::uint16_t default_port) const {
  const std::string port_text = std::to_string(port.value_or(default_port));
  return ipv6 ? "[" + host + "]:" + port_text : host + ":" + port_text;
}

Result<Target> parse_target(std::string_view text) {
  if (text.empty()) return fail(ErrorCode::invalid_argument, "empty target");
  if (text.find('@') != std::string_view::npos) {
    return fail(ErrorCode::invalid_argument,
                "a user name is not allowed in the target; the user comes from the module");
  }
  if (text.find("://") != std::string_view::npos) {
    return fail(ErrorCode::invalid_argument, "a URL is not a target; give host or host:port");
  }
  const auto split = text.front() == '[' ? split_bracketed(text) : split_plain(text);
  if (!split) return std::unexpected(split.error());

  Target target;
  target.host = std::string(split->host);
  if (split->port) {
    const auto port = parse_port(*split->port);
    if (!port) return std::unexpected(port.error());
    target.port = *port;
  }
  if (is_ipv6(target.host)) {
    target.ip_literal = true;
    target.ipv6 = true;
  } else if (is_ipv4(target.host)) {
    target.ip_literal = true;
  } else if (auto error = check_host_name(target.host)) {
    return std::unexpected(std::move(*error));
  }
  return target;
}

}  // namespace spe
