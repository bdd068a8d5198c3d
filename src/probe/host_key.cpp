#include "probe/host_key.hpp"

#include <algorithm>
#include <array>

namespace spe {
namespace {

// libssh 0.10's DEFAULT_HOSTKEYS (src/kex.c), without the certificate types it drops itself.
constexpr std::array<std::string_view, 8> kLibsshDefaultHostKeys{
    "ssh-ed25519",
    "ecdsa-sha2-nistp521",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp256",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "rsa-sha2-512",
    "rsa-sha2-256",
};

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

}  // namespace

HostKeyVerdict decide_host_key(const HostKeyPolicy& policy, const KnownHostsMatch& known_hosts,
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

std::vector<std::string> host_key_algorithms_for(const std::vector<std::string>& known_types,
                                                 const std::vector<std::string>& wanted) {
  std::vector<std::string> base = wanted;
  if (base.empty()) {
    if (known_types.empty()) return {};
    base.assign(kLibsshDefaultHostKeys.begin(), kLibsshDefaultHostKeys.end());
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
