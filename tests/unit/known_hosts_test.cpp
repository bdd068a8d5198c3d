// known_hosts parsed once and looked up: what a host key's verdict is, which lines are skipped, and that the
// memo of looked-up names keeps answers right. (The comparison with the real ssh-keygen is a system test:
// tests/integration/known_hosts_keygen_test.cpp.)
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "config/known_hosts.hpp"
#include "config/load.hpp"
#include "support/known_hosts_sample.hpp"
#include "util/base64.hpp"

using spe::KnownHosts;
using spe::KnownHostsState;
using spe::test::kDsa;
using spe::test::kEcdsa384;
using spe::test::kEd25519;
using spe::test::kEd25519Other;
using spe::test::kMixed;
using spe::test::kRsa;
using spe::test::kSkEcdsa;

namespace {

std::string blob(const std::string& base64) {
  const auto decoded = spe::base64_decode(base64);
  REQUIRE(decoded.has_value());
  return *decoded;
}

}  // namespace

TEST_CASE("known_hosts: lines OpenSSH would skip are skipped and reported with their line", "[unit][known_hosts]") {
  const std::string text =
      "@revoked\n"  // 1
      "@unknown example.com ssh-ed25519 " +
      kEd25519 +
      "\n"  // 2
      "@revoked @cert-authority example.com ssh-ed25519 " +
      kEd25519 +
      "\n"                                  // 3
      "example.com\n"                       // 4
      "example.com ssh-ed25519\n"           // 5
      "example.com ssh-ed25519 # no key\n"  // 6
      "example.com ssh-foo " +
      kEd25519 +
      "\n"                                    // 7
      "example.com ssh-ed25519 not*base64\n"  // 8
      "example.com ecdsa-sha2-nistp256 " +
      kEd25519 +
      "\n"  // 9
      "|1|bm90IDIwIGJ5dGVz|AAAA ssh-ed25519 " +
      kEd25519 +
      "\n"  // 10
      "|2|salt|hash ssh-ed25519 " +
      kEd25519 +
      "\n"  // 11
      "example.com ssh-ed25519 " +
      kEd25519 + "\n";  // 12: the one good line
  const KnownHosts known("/etc/ssh/known", text);
  CHECK(known.size() == 1);
  CHECK(known.skipped_count() == 11);
  std::vector<std::size_t> lines;
  for (const auto& skip : known.skipped()) lines.push_back(skip.line);
  CHECK(lines == std::vector<std::size_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  const auto reason = [&](std::size_t line) { return known.skipped()[line - 1].reason; };
  CHECK(reason(2) == "unknown marker (@cert-authority or @revoked)");
  CHECK(reason(3) == "more than one marker");
  CHECK(reason(7) == "unsupported key type");
  CHECK(reason(8) == "the key is not valid base64");
  CHECK(reason(9) == "the key is not of the type the line names");
  CHECK(reason(10) == "hashed host name is not a 20-byte salt and a 20-byte HMAC-SHA1 in base64");
  CHECK(known.skipped_summary() ==
        "11 lines skipped (lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), the first /etc/ssh/known:1: nothing after the "
        "marker");
  CHECK(known.lines_for("example.com") == std::vector<std::size_t>{12});
  CHECK(KnownHosts("f", kMixed).skipped_summary().empty());
}

TEST_CASE("known_hosts: what is said of skipped lines holds no word of the file", "[unit][known_hosts]") {
  // Another file named as known_hosts by mistake: every word of it is somebody's secret.
  const std::string secret = "Pr0beS3cretPW!";
  const std::string text = secret +
                           "\n"  // 1: no key
                           "host " +
                           secret +
                           "\n"  // 2: unsupported key type
                           "host ssh-ed25519 " +
                           secret +
                           "\n"  // 3: not base64
                           "@" +
                           secret + " host ssh-ed25519 " + kEd25519 +
                           "\n"  // 4: unknown marker
                           "@" +
                           secret +
                           "\n"  // 5: nothing after the marker
                           "|1|" +
                           secret + "|x ssh-ed25519 " + kEd25519 +
                           "\n"  // 6: bad hash
                           "host ecdsa-sha2-nistp256 " +
                           kEd25519 + "\n";  // 7: key of another type
  const KnownHosts known("/etc/passwords", text);
  CHECK(known.skipped_count() == 7);
  const std::string summary = known.skipped_summary();
  CHECK(summary ==
        "7 lines skipped (lines 1, 2, 3, 4, 5, 6, 7), the first /etc/passwords:1: no key after the "
        "host names");
  for (const auto& skip : known.skipped()) {
    CAPTURE(skip.reason);
    CHECK(skip.reason.find(secret) == std::string::npos);
    CHECK(skip.reason.find("S3cret") == std::string::npos);
  }
  // More skipped lines than are kept: the count says so.
  std::string many;
  for (int i = 0; i < 25; ++i) many += secret + "\n";
  CHECK(KnownHosts("f", many).skipped_summary() ==
        "25 lines skipped (lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 and 5 more), "
        "the first f:1: no key after the host names");
}

TEST_CASE("known_hosts: the verdict on a server key, with the line that decided it", "[unit][known_hosts]") {
  const KnownHosts known("/etc/ssh/known", kMixed);
  SECTION("ok: a plain line holds the key, compared as bytes") {
    const auto match = known.check("example.com", blob(kEd25519));
    CHECK(match.state == KnownHostsState::ok);
    CHECK(match.line == 4);
    CHECK(match.key_type == "ssh-ed25519");
    CHECK(known.check("example.com", blob(kEd25519Other)).line == 19);  // either key of the host
    CHECK(known.check("[127.0.0.1]:2222", blob(kEd25519)).line == 8);
    CHECK(known.check("192.168.1.7", blob(kRsa)).state == KnownHostsState::ok);
    CHECK(known.check("sk.example.com", blob(kSkEcdsa)).line == 14);
  }
  SECTION("changed: another key of the same type") {
    const auto match = known.check("[example.com]:2222", blob(kEd25519));
    CHECK(match.state == KnownHostsState::changed);
    CHECK(match.line == 5);
    CHECK(known.check("alias", blob(kEcdsa384)).state == KnownHostsState::ok);
    CHECK(known.check("mixed.case.net", blob(kDsa)).state == KnownHostsState::ok);
  }
  SECTION("other: keys of other types only") {
    const auto match = known.check("192.168.1.7", blob(kEd25519));
    CHECK(match.state == KnownHostsState::other);
    CHECK(match.line == 7);
    CHECK(match.key_type == "ssh-rsa");
  }
  SECTION("unknown, and unknown with only a @cert-authority line") {
    CHECK(known.check("other.test", blob(kEd25519)).state == KnownHostsState::unknown);
    CHECK_FALSE(known.check("other.test", blob(kEd25519)).cert_authority_only);
    // The CA's own key does not make the host known: host certificates cannot be verified.
    const auto ca = known.check("www.example.com", blob(kEd25519Other));
    CHECK(ca.state == KnownHostsState::unknown);
    CHECK(ca.cert_authority_only);
  }
  SECTION("revoked wins over a line that holds the key") {
    // Line 9 revokes kEd25519Other for *.example.org; line 18 trusts kEd25519 there.
    CHECK(known.check("www.example.org", blob(kEd25519)).state == KnownHostsState::ok);
    const auto match = known.check("www.example.org", blob(kEd25519Other));
    CHECK(match.state == KnownHostsState::revoked);
    CHECK(match.line == 9);
    const KnownHosts later("f", "example.com ssh-ed25519 " + kEd25519 + "\n@revoked * ssh-ed25519 " + kEd25519 + "\n");
    CHECK(later.check("example.com", blob(kEd25519)).state == KnownHostsState::revoked);
    CHECK(later.check("example.com", blob(kEd25519)).line == 2);
  }
}

TEST_CASE("known_hosts: the key types a host is known by, for ordering host key algorithms", "[unit][known_hosts]") {
  const KnownHosts known("f", kMixed);
  CHECK(known.key_types("example.com") == std::vector<std::string>{"ssh-ed25519", "ecdsa-sha2-nistp521"});
  CHECK(known.key_types("192.168.1.1") == std::vector<std::string>{"ssh-rsa"});
  CHECK(known.key_types("www.example.com").empty());  // @cert-authority only
  CHECK(known.key_types("other.test").empty());
}

TEST_CASE("known_hosts: names as OpenSSH forms them", "[unit][known_hosts]") {
  CHECK(spe::known_hosts_name("Example.COM", 22) == "example.com");
  CHECK(spe::known_hosts_name("127.0.0.1", 2222) == "[127.0.0.1]:2222");
  CHECK(spe::known_hosts_name("2001:DB8::1", 22) == "2001:db8::1");
  CHECK(spe::known_hosts_name("2001:db8::1", 2222) == "[2001:db8::1]:2222");
}

TEST_CASE("known_hosts: repeated and concurrent lookups agree with the first", "[unit][known_hosts]") {
  std::string text;
  for (int i = 0; i < 2000; ++i) {
    text += "plain" + std::to_string(i) + ".test ssh-ed25519 " + kEd25519Other + "\n";
    text += "*.pattern" + std::to_string(i) + ".test ssh-ed25519 " + kEd25519Other + "\n";
  }
  text += "[127.0.0.1]:2222 ssh-ed25519 " + kEd25519 + "\n";  // line 4001
  text += "*.test,!plain7.test ssh-rsa " + kRsa + "\n";       // line 4002
  const KnownHosts known("f", text);
  const auto first = known.check("[127.0.0.1]:2222", blob(kEd25519));
  CHECK(first.state == KnownHostsState::ok);
  CHECK(first.line == 4001);
  CHECK(known.lines_for("plain7.test") == std::vector<std::size_t>{15});
  CHECK(known.lines_for("plain8.test") == std::vector<std::size_t>{17, 4002});

  std::vector<std::thread> threads;
  std::array<int, 4> agreed{};
  for (std::size_t t = 0; t < agreed.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const bool same = known.check("[127.0.0.1]:2222", blob(kEd25519)).line == 4001 &&
                          known.lines_for("x.pattern" + std::to_string(i) + ".test") ==
                              std::vector<std::size_t>{static_cast<std::size_t>(2 * i + 2), 4002};
        agreed[t] += same ? 1 : 0;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(agreed == std::array<int, 4>{200, 200, 200, 200});
}

TEST_CASE("known_hosts: more names than the memo keeps are still answered right", "[unit][known_hosts]") {
  const KnownHosts known("f", "*.test ssh-ed25519 " + kEd25519 + "\n[h1.test]:2222 ssh-ed25519 " + kEd25519 + "\n");
  int right = 0;
  for (int i = 0; i < 20000; ++i) {
    right += known.lines_for("h" + std::to_string(i) + ".test") == std::vector<std::size_t>{1} ? 1 : 0;
  }
  CHECK(right == 20000);
  CHECK(known.lines_for("[h1.test]:2222") == std::vector<std::size_t>{2});  // "*.test" must end the name
}

TEST_CASE("known_hosts: parsed at config load, once per file, shared by the modules naming it",
          "[unit][known_hosts]") {
  const std::string data = SPE_TEST_DATA;
  const auto config = spe::load_config_file(data + "/config/good.toml");
  REQUIRE(config.has_value());
  const auto& key = config->find_module("key")->host_key.known_hosts_entries;
  const auto& encrypted = config->find_module("encrypted")->host_key.known_hosts_entries;
  REQUIRE(key != nullptr);
  CHECK(key == encrypted);
  CHECK(key->file() == data + "/keys/known_hosts");
  CHECK(key->lines_for("[127.0.0.1]:2222") == std::vector<std::size_t>{1});
  CHECK(config->find_module("inline_secrets")->host_key.known_hosts_entries == nullptr);
}
