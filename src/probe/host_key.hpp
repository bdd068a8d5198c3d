// The host-key decision: given what known_hosts said and the key's fingerprint, does the module's
// policy accept this host? Pure, so every outcome is unit-tested without a server.
#pragma once

#include <string>
#include <string_view>

#include "config/model.hpp"

namespace spe {

// What the known_hosts lookup found (one value per libssh ssh_known_hosts_e, plus not_checked
// when the module has no known_hosts file).
enum class KnownHostsState { not_checked, ok, changed, other, unknown, not_found, error };

std::string_view to_string(KnownHostsState state);

struct HostKeyVerdict {
  bool accepted = false;
  std::string detail;  // one line: what matched, or why the key was refused
};

// Every configured mechanism must accept: a pinned fingerprint list must contain `fingerprint`,
// and a known_hosts file must say ok. changed and other always refuse (a possible
// man-in-the-middle). With insecure_ignore set, the key is accepted unchecked.
HostKeyVerdict decide_host_key(const HostKeyPolicy& policy, KnownHostsState known_hosts,
                               std::string_view fingerprint);

}  // namespace spe
