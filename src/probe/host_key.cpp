#include "probe/host_key.hpp"

#include <algorithm>
#include <array>

#include "config/algorithms.hpp"

namespace spe {
namespace {

std::string at_line(const std::string& file, const KnownHostsMatch& match) {
  return file + ":" + std::to_string(match.line);
}

HostKeyVerdict known_hosts_verdict(const KnownHostsMatch& match, const std::string& file) {
  switch (match.state) {
    case KnownHostsState::ok: return {true, "host key matches " + at_line(file, match)};
    case KnownHostsState::changed:
      return {false, "host key does not match the " + match.key_type + " key at " + at_line(file, match) +
                         " (changed key: possible man-in-the-middle)"};
    case KnownHostsState::other:
      return {false, at_line(file, match) + " has a key of another type (" + match.key_type +
                         ") for this host (possible man-in-the-middle)"};
    case KnownHostsState::revoked: return {false, "host key is revoked by @revoked at " + at_line(file, match)};
    case KnownHostsState::unknown:
      if (match.cert_authority_only) {
        return {false, "host is in " + file +
                           " only under @cert-authority, and host certificates are not supported (libssh 0.10)"};
      }
      return {false, "host is not in " + file};
    case KnownHostsState::not_checked: break;
  }
  return {false, "known_hosts was not checked"};
}

// The algorithms that verify a key of `type`.
std::vector<std::string_view> algorithms_of(std::string_view type) {
  if (type == "ssh-rsa") return {"rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"};
  return {type};
}

// A server with several host keys shows the first type offered that it has: a fingerprint of
// another of its keys never matches unless its type is offered first.
std::string not_pinned(const HostKeyPolicy& policy, std::string_view fingerprint, std::string_view key_type) {
  std::string out = "host key " + std::string(fingerprint);
  if (!key_type.empty()) out += " (" + std::string(key_type) + ")";
  out += " is not one of host_key_fingerprints";
  const bool untyped = policy.fingerprint_types.size() < policy.fingerprints.size() ||
                       std::ranges::any_of(policy.fingerprint_types, [](const std::string& t) { return t.empty(); });
  if (untyped && !key_type.empty()) {
    out +=
        "; if a pinned fingerprint is of another of the server's keys, name its type before it (\"ssh-rsa "
        "SHA256:...\", \"ecdsa-sha2-nistp256 SHA256:...\") or set host_key_algorithms, so that the server shows "
        "that key";
  }
  return out;
}

}  // namespace

HostKeyVerdict decide_host_key(const HostKeyPolicy& policy, const KnownHostsMatch& known_hosts,
                               std::string_view fingerprint, std::string_view key_type) {
  if (policy.insecure_ignore) return {true, "host key not checked (insecure_ignore_host_key)"};
  if (policy.known_hosts.empty() && policy.fingerprints.empty()) {
    return {false, "no host key policy configured"};
  }
  std::string detail;
  if (!policy.fingerprints.empty()) {
    const bool pinned = std::ranges::find(policy.fingerprints, fingerprint) != policy.fingerprints.end();
    if (!pinned) return {false, not_pinned(policy, fingerprint, key_type)};
    detail = "host key matches a pinned fingerprint";
  }
  if (!policy.known_hosts.empty()) {
    HostKeyVerdict verdict = known_hosts_verdict(known_hosts, policy.known_hosts);
    if (!verdict.accepted) return verdict;
    detail = detail.empty() ? verdict.detail : detail + " and " + verdict.detail;
  }
  return {true, detail};
}

std::vector<std::string> host_key_algorithms_for(const std::vector<std::string>& known_types,
                                                 const std::vector<std::string>& wanted) {
  std::vector<std::string> base = wanted;
  if (base.empty()) {
    if (known_types.empty()) return {};
    const auto defaults = default_algorithms(AlgorithmKind::host_key);
    base.assign(defaults.begin(), defaults.end());
  }
  const auto known = [&](const std::string& algorithm) {
    return std::ranges::any_of(known_types, [&](const std::string& type) {
      const auto fitting = algorithms_of(type);
      return std::ranges::find(fitting, algorithm) != fitting.end();
    });
  };
  std::ranges::stable_partition(base, known);
  return base;
}

}  // namespace spe
