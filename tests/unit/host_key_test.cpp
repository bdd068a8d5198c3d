#include <catch2/catch.hpp>

#include "probe/host_key.hpp"

using spe::decide_host_key;
using spe::host_key_algorithms_for;
using spe::HostKeyPolicy;
using spe::KnownHostsMatch;
using spe::KnownHostsState;

namespace {
const std::string kKey = "SHA256:NNiO3i6J7vqAK/7kXUxSJHX03qs28+GYPbxHwkS4Eqc";
const std::string kOther = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

HostKeyPolicy known_hosts() {
  HostKeyPolicy policy;
  policy.known_hosts = "/etc/ssh/known";
  return policy;
}
HostKeyPolicy pinned(std::vector<std::string> pins) {
  HostKeyPolicy policy;
  policy.fingerprints = std::move(pins);
  return policy;
}
KnownHostsMatch match(KnownHostsState state, std::size_t line = 0, std::string type = "") {
  return KnownHostsMatch{state, line, std::move(type), false};
}
const KnownHostsMatch kNotChecked = match(KnownHostsState::not_checked);
}  // namespace

TEST_CASE("known_hosts verdicts: only ok accepts, and the detail names the line", "[unit][host_key]") {
  const auto [known, accepted, detail] = GENERATE(table<KnownHostsMatch, bool, std::string>({
      {match(KnownHostsState::ok, 3, "ssh-ed25519"), true, "host key matches /etc/ssh/known:3"},
      {match(KnownHostsState::changed, 4, "ssh-ed25519"), false,
       "host key does not match the ssh-ed25519 key at /etc/ssh/known:4 (changed key: possible "
       "man-in-the-middle)"},
      {match(KnownHostsState::other, 5, "ssh-rsa"), false,
       "/etc/ssh/known:5 has a key of another type (ssh-rsa) for this host (possible man-in-the-middle)"},
      {match(KnownHostsState::revoked, 6, "ssh-ed25519"), false,
       "host key is revoked by @revoked at /etc/ssh/known:6"},
      {match(KnownHostsState::unknown), false, "host is not in /etc/ssh/known"},
      {KnownHostsMatch{KnownHostsState::unknown, 0, "", true}, false,
       "host is in /etc/ssh/known only under @cert-authority, and host certificates are not supported "
       "(libssh 0.10)"},
      {kNotChecked, false, "known_hosts was not checked"},
  }));
  const auto verdict = decide_host_key(known_hosts(), known, kKey);
  CHECK(verdict.accepted == accepted);
  CHECK(verdict.detail == detail);
}

TEST_CASE("a pinned fingerprint must be one of the pins", "[unit][host_key]") {
  CHECK(decide_host_key(pinned({kOther, kKey}), kNotChecked, kKey).accepted);
  const auto refused = decide_host_key(pinned({kOther}), kNotChecked, kKey);
  CHECK_FALSE(refused.accepted);
  CHECK(refused.detail == "host key " + kKey + " is not one of host_key_fingerprints");
  // Told the type of the key shown, the refusal says how to have the server show a pinned key of another type,
  // unless every pin names its type.
  CHECK(decide_host_key(pinned({kOther}), kNotChecked, kKey, "ssh-ed25519").detail ==
        "host key " + kKey +
            " (ssh-ed25519) is not one of host_key_fingerprints; if a pinned fingerprint is of another of the "
            "server's keys, name its type before it (\"ssh-rsa SHA256:...\", \"ecdsa-sha2-nistp256 SHA256:...\") or "
            "set host_key_algorithms, so that the server shows that key");
  HostKeyPolicy typed = pinned({kOther});
  typed.fingerprint_types = {"ssh-rsa"};
  CHECK(decide_host_key(typed, kNotChecked, kKey, "ssh-ed25519").detail ==
        "host key " + kKey + " (ssh-ed25519) is not one of host_key_fingerprints");
  // Fingerprints are case-sensitive base64: a near miss is a miss.
  std::string lower = kKey;
  lower.back() = 'C';
  CHECK_FALSE(decide_host_key(pinned({kKey}), kNotChecked, lower).accepted);
}

TEST_CASE("with both pins and known_hosts, both must accept", "[unit][host_key]") {
  HostKeyPolicy both = known_hosts();
  both.fingerprints = {kKey};
  const auto accepted = decide_host_key(both, match(KnownHostsState::ok, 2), kKey);
  CHECK(accepted.accepted);
  CHECK(accepted.detail == "host key matches a pinned fingerprint and host key matches /etc/ssh/known:2");
  CHECK_FALSE(decide_host_key(both, match(KnownHostsState::changed, 2), kKey).accepted);
  CHECK_FALSE(decide_host_key(both, match(KnownHostsState::ok, 2), kOther).accepted);
  // A pinned key that known_hosts revokes is refused: the revocation is the newer word.
  CHECK_FALSE(decide_host_key(both, match(KnownHostsState::revoked, 2), kKey).accepted);
}

TEST_CASE("insecure_ignore_host_key accepts any key; no policy accepts none", "[unit][host_key]") {
  HostKeyPolicy insecure;
  insecure.insecure_ignore = true;
  CHECK(decide_host_key(insecure, match(KnownHostsState::changed), kOther).accepted);
  CHECK_FALSE(decide_host_key(HostKeyPolicy{}, kNotChecked, kKey).accepted);
}

TEST_CASE("host key algorithms: those known_hosts knows for the host first, as libssh orders them",
          "[unit][host_key]") {
  using Names = std::vector<std::string>;
  const Names defaults{"ssh-ed25519",
                       "ecdsa-sha2-nistp521",
                       "ecdsa-sha2-nistp384",
                       "ecdsa-sha2-nistp256",
                       "sk-ssh-ed25519@openssh.com",
                       "sk-ecdsa-sha2-nistp256@openssh.com",
                       "rsa-sha2-512",
                       "rsa-sha2-256"};
  // Nothing known, nothing configured: libssh's defaults stand (no option is set).
  CHECK(host_key_algorithms_for({}, {}).empty());
  CHECK(host_key_algorithms_for({"ssh-ed25519"}, {}) == defaults);
  CHECK(host_key_algorithms_for({"ecdsa-sha2-nistp256"}, {}) ==
        Names{"ecdsa-sha2-nistp256", "ssh-ed25519", "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp384",
              "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com", "rsa-sha2-512", "rsa-sha2-256"});
  // An ssh-rsa key is verified by the SHA-2 RSA algorithms; ssh-rsa itself only when asked for.
  CHECK(host_key_algorithms_for({"ssh-rsa"}, {}) ==
        Names{"rsa-sha2-512", "rsa-sha2-256", "ssh-ed25519", "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp384",
              "ecdsa-sha2-nistp256", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"});
  // The module's own list is kept, reordered the same way; the wanted order decides among known ones.
  CHECK(host_key_algorithms_for({}, {"ssh-ed25519", "rsa-sha2-512"}) == Names{"ssh-ed25519", "rsa-sha2-512"});
  CHECK(host_key_algorithms_for({"ssh-rsa"}, {"ssh-ed25519", "ssh-rsa", "rsa-sha2-256"}) ==
        Names{"ssh-rsa", "rsa-sha2-256", "ssh-ed25519"});
  CHECK(host_key_algorithms_for({"ssh-dss"}, {"ssh-ed25519"}) == Names{"ssh-ed25519"});
}
