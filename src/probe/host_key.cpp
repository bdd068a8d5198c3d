#include "probe/host_key.hpp"

#include <algorithm>

namespace spe {

std::string_view to_string(KnownHostsState state) {
  switch (state) {
    case KnownHostsState::not_checked: return "not_checked";
    case KnownHostsState::ok: return "ok";
    case KnownHostsState::changed: return "changed";
    case KnownHostsState::other: return "other";
    case KnownHostsState::unknown: return "unknown";
    case KnownHostsState::not_found: return "not_found";
    case KnownHostsState::error: return "error";
  }
  return "error";
}

namespace {

HostKeyVerdict known_hosts_verdict(KnownHostsState state, const std::string& file) {
  switch (state) {
    case KnownHostsState::ok:
      return {true, "host key matches " + file};
    case KnownHostsState::changed:
      return {false, "host key does not match the key in " + file +
                         " (changed key: possible man-in-the-middle)"};
    case KnownHostsState::other:
      return {false, file + " has a key of another type for this host (possible man-in-the-middle)"};
    case KnownHostsState::unknown:
    case KnownHostsState::not_found:
      return {false, "host is not in " + file};
    case KnownHostsState::error:
      return {false, "cannot check " + file};
    case KnownHostsState::not_checked:
      break;
  }
  return {false, "known_hosts was not checked"};
}

}  // namespace

HostKeyVerdict decide_host_key(const HostKeyPolicy& policy, KnownHostsState known_hosts,
                               std::string_view fingerprint) {
  if (policy.insecure_ignore) return {true, "host key not checked (insecure_ignore_host_key)"};
  if (policy.known_hosts.empty() && policy.fingerprints.empty()) {
    return {false, "no host key policy configured"};
  }
  std::string detail;
  if (!policy.fingerprints.empty()) {
    const bool pinned = std::ranges::find(policy.fingerprints, fingerprint) != policy.fingerprints.end();
    if (!pinned) {
      return {false, "host key " + std::string(fingerprint) + " is not one of host_key_fingerprints"};
    }
    detail = "host key matches a pinned fingerprint";
  }
  if (!policy.known_hosts.empty()) {
    HostKeyVerdict verdict = known_hosts_verdict(known_hosts, policy.known_hosts);
    if (!verdict.accepted) return verdict;
    detail = detail.empty() ? verdict.detail : detail + " and " + verdict.detail;
  }
  return {true, detail};
}

}  // namespace spe
