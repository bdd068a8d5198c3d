#include <catch2/catch.hpp>

#include <string>

#include "util/target.hpp"

using spe::parse_target;
using spe::Target;

TEST_CASE("targets split into host, optional port and the kind of address", "[unit][target]") {
  // input, host, port (0: none), ip_literal, ipv6
  const auto [input, host, port, ip_literal, ipv6] = GENERATE(table<std::string, std::string, int, bool, bool>({
      {"host", "host", 0, false, false},
      {"host:2222", "host", 2222, false, false},
      {"db-1.example.com", "db-1.example.com", 0, false, false},
      {"db_1.example.com.:22", "db_1.example.com.", 22, false, false},
      {"1.2.3.4", "1.2.3.4", 0, true, false},
      {"1.2.3.4:22", "1.2.3.4", 22, true, false},
      {"[2001:db8::1]:22", "2001:db8::1", 22, true, true},
      {"[2001:db8::1]", "2001:db8::1", 0, true, true},
      {"2001:db8::1", "2001:db8::1", 0, true, true},
      {"::1", "::1", 0, true, true},
      {"[::ffff:1.2.3.4]:65535", "::ffff:1.2.3.4", 65535, true, true},
      {"h:1", "h", 1, false, false},
  }));
  CAPTURE(input);
  const auto target = parse_target(input);
  REQUIRE(target.has_value());
  CHECK(target->host == host);
  CHECK(target->port.value_or(0) == port);
  CHECK(target->port.has_value() == (port != 0));
  CHECK(target->ip_literal == ip_literal);
  CHECK(target->ipv6 == ipv6);
}

TEST_CASE("bad targets are invalid_argument saying what is wrong", "[unit][target]") {
  const auto [input, message] = GENERATE(table<std::string, std::string>({
      {"", "empty target"},
      {"host:", "missing port after ':'"},
      {":22", "missing host before ':'"},
      {"[::1", "missing closing ']'"},
      {"[::1]x", "unexpected \"x\" after ']'"},
      {"[::1]:", "missing port after ':'"},
      {"a b", "invalid character ' ' in host name"},
      {"a\tb", "invalid character '\\x09' in host name"},
      {"host:99999", "invalid port \"99999\": out of range 1-65535"},
      {"host:0", "invalid port \"0\": out of range 1-65535"},
      {"host:123456789012345678901234", "invalid port \"123456789012345678901234\": out of range 1-65535"},
      {"host:-1", "invalid port \"-1\": not a number"},
      {"host:22a", "invalid port \"22a\": not a number"},
      {"host:+22", "invalid port \"+22\": not a number"},
      {"[1.2.3.4]:22", "brackets are only allowed around an IPv6 address"},
      {"[host]:22", "brackets are only allowed around an IPv6 address"},
      {"[]:22", "brackets are only allowed around an IPv6 address"},
      {"fe80::1%eth0", "IPv6 zone ids are not supported"},
      {"[fe80::1%eth0]:22", "IPv6 zone ids are not supported"},
      {"user@host", "a user name is not allowed in the target; the user comes from the module"},
      {"user@host:22", "a user name is not allowed in the target; the user comes from the module"},
      {"host:22:33", "not a valid IPv6 address (an IPv6 address with a port is written [addr]:port)"},
      {"2001:db8::1:99999", "not a valid IPv6 address (an IPv6 address with a port is written [addr]:port)"},
      {"a..b", "empty label in host name"},
      {".host", "empty label in host name"},
      {".", "empty label in host name"},
      {"-host", "host name label \"-host\" starts or ends with '-'"},
      {"host-.example", "host name label \"host-\" starts or ends with '-'"},
      {"1.2.3.999", "not a valid IPv4 address"},
      {"1.2.3", "an IPv4 address in a form that is ambiguous, write it as 1.2.0.3"},
      // inet_aton (and so getaddrinfo) reads these as 127.0.0.1: addresses, never host names.
      {"0x7f.1", "an IPv4 address in a form that is ambiguous, write it as 127.0.0.1"},
      {"0x7f.1.", "an IPv4 address in a form that is ambiguous, write it as 127.0.0.1"},
      {"0X7F000001:22", "an IPv4 address in a form that is ambiguous, write it as 127.0.0.1"},
      {"0x7f000001", "an IPv4 address in a form that is ambiguous, write it as 127.0.0.1"},
      {"2130706433", "an IPv4 address in a form that is ambiguous, write it as 127.0.0.1"},
      {"127.1", "an IPv4 address in a form that is ambiguous, write it as 127.0.0.1"},
      {"0177.0.0.1", "an IPv4 address in a form that is ambiguous, write it as 127.0.0.1"},
      {"0x7f.0x0.0.01", "an IPv4 address in a form that is ambiguous, write it as 127.0.0.1"},
      {"host]:22", "invalid character ']' in host name"},
      {"http://host", "a URL is not a target; give host or host:port"},
      {"ssh://[::1]:22", "a URL is not a target; give host or host:port"},
      {"host/path", "invalid character '/' in host name"},
  }));
  CAPTURE(input);
  const auto target = parse_target(input);
  REQUIRE_FALSE(target.has_value());
  CHECK(target.error().code == spe::ErrorCode::invalid_argument);
  CHECK(target.error().message == message);
}

TEST_CASE("ambiguous_ipv4 gives the dotted quad of what inet_aton reads, and nothing for names or dotted quads",
          "[unit][target]") {
  using spe::ambiguous_ipv4;
  CHECK(ambiguous_ipv4("0x7f.1") == "127.0.0.1");
  CHECK(ambiguous_ipv4("0xa.0x1") == "10.0.0.1");
  CHECK(ambiguous_ipv4("1") == "0.0.0.1");
  CHECK(ambiguous_ipv4("127.0.0.1") == std::nullopt);  // a dotted quad is simply an address
  CHECK(ambiguous_ipv4("0x7g.1") == std::nullopt);     // a name (hex digits end at 'g')
  CHECK(ambiguous_ipv4("deadbeef") == std::nullopt);
  CHECK(ambiguous_ipv4("0xdeadbeef.example") == std::nullopt);
  CHECK(ambiguous_ipv4("") == std::nullopt);
  CHECK(ambiguous_ipv4(".") == std::nullopt);
  CHECK(ambiguous_ipv4(std::string_view("0x7f.1\0x", 8)) == std::nullopt);
}

TEST_CASE("host names are limited to 63 characters a label and 253 in all", "[unit][target]") {
  const std::string label63(63, 'a');
  CHECK(parse_target(label63 + ".example").has_value());
  CHECK(parse_target(std::string(64, 'a') + ".example").error().message ==
        "host name label longer than 63 characters");

  std::string name = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b');  // 253
  REQUIRE(name.size() == 253);
  CHECK(parse_target(name).has_value());
  CHECK(parse_target(name + ".").has_value());  // the root dot does not count
  CHECK(parse_target(name + "b").error().message == "host name longer than 253 characters");
}

TEST_CASE("to_string writes host:port, brackets around IPv6, and the default port when none was given",
          "[unit][target]") {
  const auto [input, expected] = GENERATE(table<std::string, std::string>({
      {"host", "host:22"},
      {"host:2222", "host:2222"},
      {"1.2.3.4", "1.2.3.4:22"},
      {"2001:db8::1", "[2001:db8::1]:22"},
      {"[2001:db8::1]:830", "[2001:db8::1]:830"},
  }));
  CAPTURE(input);
  const auto target = parse_target(input);
  REQUIRE(target.has_value());
  CHECK(target->to_string(22) == expected);
}
