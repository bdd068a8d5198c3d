// The host-key decision: given what known_hosts said and the key's fingerprint, does the module's
// policy accept this host? And which host key algorithms to offer so the server shows the key
// known_hosts knows. Pure, so every outcome is unit-tested without a server.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/known_hosts.hpp"
#include "config/model.hpp"

namespace spe {

struct HostKeyVerdict {
  bool accepted = false;
  std::string detail;  // one line: what matched (file:line), or why the key was refused
};

// Every configured mechanism must accept: a pinned fingerprint list must contain `fingerprint`,
// and a known_hosts file must say ok. changed, other and revoked always refuse (a possible
// man-in-the-middle, or a key its owner withdrew). With insecure_ignore set, the key is accepted
// unchecked. `key_type` ("ssh-ed25519") is the type of the key the server showed: a refusal by
// fingerprint says which key that was, and how to have the server show the pinned one.
HostKeyVerdict decide_host_key(const HostKeyPolicy& policy, const KnownHostsMatch& known_hosts,
                               std::string_view fingerprint, std::string_view key_type = {});

// The host key algorithms to offer, as libssh 0.10 orders them from known_hosts itself
// (ssh_client_select_hostkeys in src/client.c): those of `wanted` (libssh's defaults when empty)
// that fit a key type in `known_types` first, then the rest of `wanted`. ssh-rsa keys fit
// rsa-sha2-512, rsa-sha2-256 and ssh-rsa. Empty when both lists are: libssh's defaults stand.
std::vector<std::string> host_key_algorithms_for(const std::vector<std::string>& known_types,
                                                 const std::vector<std::string>& wanted);

}  // namespace spe
