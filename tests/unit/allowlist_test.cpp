#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "config/allowlist.hpp"
#include "config/load.hpp"
#include "util/target.hpp"

namespace {

constexpr std::uint16_t kModulePort = 22;

// Whether a list made of `patterns` allows `target` for a module on port 22.
bool allowed(const std::vector<std::string>& patterns, const std::string& target_text) {
  std::vector<spe::TargetPattern> compiled;
  for (const auto& text : patterns) {
    auto pattern = spe::parse_target_pattern(text);
    INFO(text);
    REQUIRE(pattern.has_value());
    compiled.push_back(std::move(*pattern));
  }
  const auto target = spe::parse_target(target_text);
  INFO(target_text);
  REQUIRE(target.has_value());
  return spe::TargetAllowlist(std::move(compiled)).allows(*target, kModulePort);
}

}  // namespace

TEST_CASE("allowlist: networks, addresses, globs and ports", "[unit][allowlist]") {
  const auto [pattern, target, expected] = GENERATE(table<std::string, std::string, bool>({
      // IPv4 networks and addresses.
      {"10.0.0.0/8", "10.1.2.3", true},
      {"10.0.0.0/8", "10.255.255.255:22", true},
      {"10.0.0.0/8", "11.0.0.1", false},
      {"10.0.0.0/8", "9.255.255.255", false},
      {"192.168.1.0/25", "192.168.1.127", true},
      {"192.168.1.0/25", "192.168.1.128", false},
      {"10.1.2.3", "10.1.2.3", true},
      {"10.1.2.3", "10.1.2.4", false},
      {"10.1.2.3/32", "10.1.2.3", true},
      {"0.0.0.0/0", "203.0.113.9", true},
      {"0.0.0.0/0", "2001:db8::1", false},
      // IPv6 networks and addresses, with and without brackets.
      {"2001:db8::/32", "2001:db8:ffff::1", true},
      {"2001:db8::/32", "[2001:db8::1]:22", true},
      {"2001:db8::/32", "2001:db9::1", false},
      {"2001:db8::/32", "10.0.0.1", false},
      {"2001:db8::1", "2001:db8::1", true},
      {"2001:db8::1", "2001:0db8:0:0::1", true},
      {"2001:db8::1", "2001:db8::2", false},
      {"::/0", "::1", true},
      // IPv4-mapped IPv6 targets are the IPv4 address they map.
      {"10.0.0.0/8", "::ffff:10.1.2.3", true},
      {"10.0.0.0/8", "[::ffff:11.1.2.3]:22", false},
      {"::/0", "::ffff:10.1.2.3", false},
      {"::ffff:10.0.0.0/104", "10.9.9.9", true},
      {"::ffff:10.0.0.0/104", "11.9.9.9", false},
      // Host globs match names, case-insensitively, never addresses.
      {"*.example.com", "db1.example.com", true},
      {"*.example.com", "a.b.example.com", true},
      {"*.example.com", "DB1.Example.COM", true},
      {"*.example.com", "db1.example.com.", true},
      {"*.example.com", "example.com", false},
      {"*.example.com", "db1.example.com.evil.org", false},
      {"*.example.com", "db1.example.org", false},
      {"db?.internal", "db1.internal", true},
      {"db?.internal", "db12.internal", false},
      {"db?.internal", "db.internal", false},
      {"db1.internal", "db1.internal", true},
      {"db1.internal", "db1.internal.", true},
      {"db1.internal.", "db1.internal", true},
      {"db1.internal", "db2.internal", false},
      {"*", "anything.at.all", true},
      {"*", "10.0.0.1", false},
      {"localhost", "127.0.0.1", false},
      {"10.0.0.0/8", "ten.example.com", false},
      // Ports: none = the module's port (22), a number, or any.
      {"db1.internal", "db1.internal:22", true},
      {"db1.internal", "db1.internal:2222", false},
      {"db1.internal:2222", "db1.internal:2222", true},
      {"db1.internal:2222", "db1.internal", false},
      {"db1.internal:*", "db1.internal:65535", true},
      {"db1.internal:*", "db1.internal", true},
      {"10.0.0.0/8:2222", "10.0.0.1:2222", true},
      {"10.0.0.0/8:2222", "10.0.0.1:22", false},
      {"10.0.0.0/8:*", "10.0.0.1:1", true},
      {"[2001:db8::/32]:2222", "[2001:db8::1]:2222", true},
      {"[2001:db8::/32]:2222", "2001:db8::1", false},
      {"[2001:db8::1]:*", "[2001:db8::1]:9", true},
      {"[2001:db8::1]", "2001:db8::1", true},
  }));
  CAPTURE(pattern, target);
  CHECK(allowed({pattern}, target) == expected);
}

TEST_CASE("allowlist: any pattern of the list may allow the target", "[unit][allowlist]") {
  const std::vector<std::string> list{"10.0.0.0/8", "*.example.com", "bastion:2222"};
  CHECK(allowed(list, "10.9.8.7"));
  CHECK(allowed(list, "web.example.com"));
  CHECK(allowed(list, "bastion:2222"));
  CHECK_FALSE(allowed(list, "bastion"));
  CHECK_FALSE(allowed(list, "192.168.0.1"));
  CHECK_FALSE(allowed(list, "example.org"));
}

TEST_CASE("allowlist: bad patterns are errors that quote the pattern", "[unit][allowlist]") {
  const auto [pattern, message] = GENERATE(table<std::string, std::string>({
      {"", "invalid pattern \"\": empty"},
      {"10.0.0.0/33", "invalid pattern \"10.0.0.0/33\": prefix length must be from 0 to 32"},
      {"10.0.0.0/", "invalid pattern \"10.0.0.0/\": prefix length must be from 0 to 32"},
      {"10.0.0.0/-1", "invalid pattern \"10.0.0.0/-1\": prefix length must be from 0 to 32"},
      {"2001:db8::/129", "invalid pattern \"2001:db8::/129\": prefix length must be from 0 to 128"},
      {"10.1.2.3/8", "invalid pattern \"10.1.2.3/8\": address has bits set beyond the prefix length"},
      {"10.0.0.256/24", "invalid pattern \"10.0.0.256/24\": not a valid IP address before '/'"},
      {"2001:db8::zz", "invalid pattern \"2001:db8::zz\": not a valid IP address"},
      {"10.0.0.*",
       "invalid pattern \"10.0.0.*\": host patterns match names only; write addresses as a CIDR "
       "such as 10.0.0.0/24"},
      {"1.2.3",
       "invalid pattern \"1.2.3\": host patterns match names only; write addresses as a CIDR such as "
       "10.0.0.0/24"},
      {"0x7f.1", "invalid pattern \"0x7f.1\": an IPv4 address in a form that is ambiguous, write it as 127.0.0.1"},
      {"0x0a000001:*",
       "invalid pattern \"0x0a000001:*\": an IPv4 address in a form that is ambiguous, write "
       "it as 10.0.0.1"},
      {"db 1",
       "invalid pattern \"db 1\": a host pattern may hold letters, digits, '-', '.', '_', '*' and '?' "
       "only"},
      {"user@db1",
       "invalid pattern \"user@db1\": a host pattern may hold letters, digits, '-', '.', '_', '*' "
       "and '?' only"},
      {"db1:0", "invalid pattern \"db1:0\": port must be from 1 to 65535 or *"},
      {"db1:65536", "invalid pattern \"db1:65536\": port must be from 1 to 65535 or *"},
      {"db1:", "invalid pattern \"db1:\": port must be from 1 to 65535 or *"},
      {"db1:ssh", "invalid pattern \"db1:ssh\": port must be from 1 to 65535 or *"},
      {"[2001:db8::1", "invalid pattern \"[2001:db8::1\": missing closing ']'"},
      {"[2001:db8::1]22", "invalid pattern \"[2001:db8::1]22\": unexpected \"22\" after ']'"},
      {".", "invalid pattern \".\": empty host pattern"},
  }));
  CAPTURE(pattern);
  const auto result = spe::parse_target_pattern(pattern);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == spe::ErrorCode::invalid_argument);
  CHECK(result.error().message == message);
}

TEST_CASE("allowlist: glob matching", "[unit][allowlist]") {
  CHECK(spe::glob_match("*", ""));
  CHECK(spe::glob_match("a*b*c", "aXbYc"));
  CHECK(spe::glob_match("a*b*c", "abc"));
  CHECK_FALSE(spe::glob_match("a*b*c", "acb"));
  CHECK(spe::glob_match("**.x", "a.x"));
  CHECK_FALSE(spe::glob_match("?", ""));
  CHECK(spe::glob_match("web-??", "WEB-01"));
  // Long inputs with many stars stay fast: one backtrack point, no recursion.
  CHECK_FALSE(spe::glob_match(std::string(50, '*') + "b", std::string(5000, 'a')));
}

TEST_CASE("allowed_targets is compiled at load; a bad pattern is an error at file:line:column",
          "[unit][allowlist][config]") {
  const std::string head = "[modules.m]\npassword = \"x\"\ninsecure_ignore_host_key = true\n";
  {
    const auto config = spe::load_config_text(head + "allowed_targets = [\"10.0.0.0/8\", \"*.example.com:*\"]\n",
                                              "x.toml");
    REQUIRE(config.has_value());
    const spe::Module& module = config->modules.at("m");
    CHECK(module.allowed_targets == std::vector<std::string>{"10.0.0.0/8", "*.example.com:*"});
    REQUIRE(module.allowlist != nullptr);
    CHECK(module.allowlist->allows(*spe::parse_target("db.example.com:2222"), module.port));
    CHECK_FALSE(module.allowlist->allows(*spe::parse_target("192.168.1.1"), module.port));
  }
  {
    const auto config = spe::load_config_text(head, "x.toml");
    REQUIRE(config.has_value());
    CHECK(config->modules.at("m").allowlist == nullptr);
  }
  {
    const auto config = spe::load_config_text(head + "allowed_targets = [\"10.0.0.0/8\", \"10.0.0.0/33\"]\n",
                                              "x.toml");
    REQUIRE_FALSE(config.has_value());
    CHECK(config.error().to_string() ==
          "modules.m.allowed_targets[1]: invalid pattern \"10.0.0.0/33\": prefix length must be from 0 to 32 "
          "at x.toml:4:34");
  }
  {
    const auto config = spe::load_config_text(head + "allowed_targets = []\n", "x.toml");
    REQUIRE_FALSE(config.has_value());
    CHECK(config.error().to_string() == "modules.m.allowed_targets: must not be empty at x.toml:4:19");
  }
}

TEST_CASE("allowlist: an address with a NUL byte is no address", "[unit][allowlist]") {
  // inet_pton stops at the NUL: "10.0.0.0\0junk/8" would otherwise pass as 10.0.0.0/8.
  using namespace std::string_literals;
  for (const std::string& pattern : {"10.0.0.0\0junk/8"s, "10.0.0.1\0x"s, "[::1\0x]"s, "::1\0x/128"s}) {
    CAPTURE(pattern.size());
    CHECK_FALSE(spe::parse_target_pattern(pattern).has_value());
  }
}

TEST_CASE("allowlist: a name inet_aton reads as an IPv4 address never matches a glob", "[unit][allowlist]") {
  // parse_target refuses such targets; the allowlist must not depend on it: getaddrinfo would
  // connect to the address they encode, which no glob is for.
  const auto star = spe::parse_target_pattern("*");
  REQUIRE(star.has_value());
  for (const std::string host : {"0x7f.1", "0x7f000001", "2130706433", "127.1", "0x7f.1."}) {
    CAPTURE(host);
    CHECK_FALSE(spe::pattern_allows(*star, host, false, kModulePort, kModulePort));
  }
  CHECK(spe::pattern_allows(*star, "0x7g.example", false, kModulePort, kModulePort));
}
