#include <catch2/catch.hpp>

#include "probe/host_key.hpp"

using spe::decide_host_key;
using spe::HostKeyPolicy;
using spe::KnownHostsState;

namespace {
const std::string kKey = "SHA256:NNiO3i6J7vqAK/7kXUxSJHX03qs28+GYPbxHwkS4Eqc";
const std::string kOther = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

HostKeyPolicy known_hosts() { return HostKeyPolicy{"/etc/ssh/known", {}, {}, false}; }
HostKeyPolicy pinned(std::vector<std::string> pins) { return HostKeyPolicy{"", std::move(pins), {}, false}; }
}  // namespace

TEST_CASE("known_hosts verdicts: only ok accepts", "[unit][host_key]") {
  const auto [state, accepted, detail] = GENERATE(table<KnownHostsState, bool, std::string>({
      {KnownHostsState::ok, true, "host key matches /etc/ssh/known"},
      {KnownHostsState::changed, false,
       "host key does not match the key in /etc/ssh/known (changed key: possible man-in-the-middle)"},
      {KnownHostsState::other, false,
       "/etc/ssh/known has a key of another type for this host (possible man-in-the-middle)"},
      {KnownHostsState::unknown, false, "host is not in /etc/ssh/known"},
      {KnownHostsState::not_found, false, "host is not in /etc/ssh/known"},
      {KnownHostsState::error, false, "cannot check /etc/ssh/known"},
      {KnownHostsState::not_checked, false, "known_hosts was not checked"},
  }));
  const auto verdict = decide_host_key(known_hosts(), state, kKey);
  CHECK(verdict.accepted == accepted);
  CHECK(verdict.detail == detail);
}

TEST_CASE("a pinned fingerprint must be one of the pins", "[unit][host_key]") {
  CHECK(decide_host_key(pinned({kOther, kKey}), KnownHostsState::not_checked, kKey).accepted);
  const auto refused = decide_host_key(pinned({kOther}), KnownHostsState::not_checked, kKey);
  CHECK_FALSE(refused.accepted);
  CHECK(refused.detail == "host key " + kKey + " is not one of host_key_fingerprints");
  // Fingerprints are case-sensitive base64: a near miss is a miss.
  std::string lower = kKey;
  lower.back() = 'C';
  CHECK_FALSE(decide_host_key(pinned({kKey}), KnownHostsState::not_checked, lower).accepted);
}

TEST_CASE("with both pins and known_hosts, both must accept", "[unit][host_key]") {
  HostKeyPolicy both = known_hosts();
  both.fingerprints = {kKey};
  CHECK(decide_host_key(both, KnownHostsState::ok, kKey).accepted);
  CHECK_FALSE(decide_host_key(both, KnownHostsState::changed, kKey).accepted);
  CHECK_FALSE(decide_host_key(both, KnownHostsState::ok, kOther).accepted);
}

TEST_CASE("insecure_ignore_host_key accepts any key; no policy accepts none", "[unit][host_key]") {
  HostKeyPolicy insecure;
  insecure.insecure_ignore = true;
  CHECK(decide_host_key(insecure, KnownHostsState::changed, kOther).accepted);
  CHECK_FALSE(decide_host_key(HostKeyPolicy{}, KnownHostsState::not_checked, kKey).accepted);
}
