// The tables are libssh 0.10.6's src/kex.c as Debian 12 builds it (OpenSSL, with ECC, curve25519
// and group exchange; without DSA, blowfish and the "none" cipher): default_methods[] and
// supported_methods[], and for public keys DEFAULT_PUBLIC_KEY_ALGORITHMS and PUBLIC_KEY_ALGORITHMS.
#include "config/algorithms.hpp"

#include <algorithm>

#include "util/quote.hpp"

namespace spe {
namespace {

template <std::size_t A, std::size_t B>
constexpr std::array<std::string_view, A + B> concat(const std::array<std::string_view, A>& a,
                                                     const std::array<std::string_view, B>& b) {
  std::array<std::string_view, A + B> out{};
  std::ranges::copy(a, out.begin());
  std::ranges::copy(b, out.begin() + A);
  return out;
}

// Each supported list is the default and what libssh supports but does not offer unless asked.

constexpr std::array<std::string_view, 9> kDefaultKex{
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "ecdh-sha2-nistp256",
    "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp521",
    "diffie-hellman-group18-sha512",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group-exchange-sha256",
    "diffie-hellman-group14-sha256",
};
constexpr auto kSupportedKex = concat(kDefaultKex, std::array<std::string_view, 3>{
                                                       "diffie-hellman-group-exchange-sha1",
                                                       "diffie-hellman-group14-sha1",
                                                       "diffie-hellman-group1-sha1",
                                                   });

constexpr std::array<std::string_view, 6> kDefaultCiphers{
    "chacha20-poly1305@openssh.com",
    "aes256-gcm@openssh.com",
    "aes128-gcm@openssh.com",
    "aes256-ctr",
    "aes192-ctr",
    "aes128-ctr",
};
constexpr auto kSupportedCiphers = concat(kDefaultCiphers, std::array<std::string_view, 4>{"aes256-cbc", "aes192-cbc",
                                                                                           "aes128-cbc", "3des-cbc"});

constexpr std::array<std::string_view, 4> kDefaultMacs{
    "hmac-sha2-256-etm@openssh.com",
    "hmac-sha2-512-etm@openssh.com",
    "hmac-sha2-256",
    "hmac-sha2-512",
};
constexpr auto kSupportedMacs = concat(kDefaultMacs,
                                       std::array<std::string_view, 2>{"hmac-sha1-etm@openssh.com", "hmac-sha1"});

// DEFAULT_PUBLIC_KEY_ALGORITHMS without the certificate types, which the client drops before it
// offers host key algorithms (ssh_client_select_hostkeys).
constexpr std::array<std::string_view, 8> kDefaultHostKeys{
    "ssh-ed25519",
    "ecdsa-sha2-nistp521",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp256",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "rsa-sha2-512",
    "rsa-sha2-256",
};
constexpr auto kSupportedHostKeys = concat(kDefaultHostKeys, std::array<std::string_view, 1>{"ssh-rsa"});

// DEFAULT_PUBLIC_KEY_ALGORITHMS: the certificate types, then the plain ones.
constexpr auto kDefaultPubkeys = concat(
    std::array<std::string_view, 7>{
        "ssh-ed25519-cert-v01@openssh.com",
        "ecdsa-sha2-nistp521-cert-v01@openssh.com",
        "ecdsa-sha2-nistp384-cert-v01@openssh.com",
        "ecdsa-sha2-nistp256-cert-v01@openssh.com",
        "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
        "rsa-sha2-512-cert-v01@openssh.com",
        "rsa-sha2-256-cert-v01@openssh.com",
    },
    kDefaultHostKeys);
constexpr auto kSupportedPubkeys = concat(kDefaultPubkeys, std::array<std::string_view, 3>{
                                                               "sk-ssh-ed25519-cert-v01@openssh.com",
                                                               "ssh-rsa-cert-v01@openssh.com",
                                                               "ssh-rsa",
                                                           });

using Names = std::vector<std::string>;
using Resolved = std::expected<Names, AlgorithmListError>;

bool contains(const auto& list, std::string_view name) { return std::ranges::find(list, name) != list.end(); }

// Why `name` cannot be used for `kind`, or "" when it can.
std::string refusal(AlgorithmKind kind, std::string_view name) {
  const std::string quoted = "\"" + std::string(name) + "\"";
  if (name.empty()) return "empty algorithm name";
  if (contains(supported_algorithms(kind), name)) return "";
  if (kind == AlgorithmKind::kex && (name == "ext-info-c" || name.starts_with("kex-strict-"))) {
    return quoted + " is not a key exchange method: libssh adds it to its offer itself";
  }
  if (kind == AlgorithmKind::host_key && name.ends_with("-cert-v01@openssh.com")) {
    // libssh 0.10 drops certificate host key types (and says "Out of memory" if forced).
    return quoted +
           " is a host certificate type, which libssh 0.10 does not support; use the plain key type and "
           "known_hosts or host_key_fingerprints";
  }
  if (name.starts_with("ssh-dss")) return quoted + ": DSA is not built into this libssh";
  return "unknown algorithm " + quoted + " (supported: " + joined(supported_algorithms(kind), ",") + ")";
}

std::vector<std::string_view> split(std::string_view list) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto comma = list.find(',');
    out.push_back(list.substr(0, comma));
    if (comma == std::string_view::npos) return out;
    list.remove_prefix(comma + 1);
  }
}

// The names of `items`, each supported and named once.
Resolved checked(AlgorithmKind kind, std::span<const std::string_view> items, bool per_item) {
  Names out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const int item = per_item ? static_cast<int>(i) : -1;
    if (auto why = refusal(kind, items[i]); !why.empty()) return std::unexpected(AlgorithmListError{why, item});
    if (contains(out, items[i])) {
      return std::unexpected(AlgorithmListError{"\"" + std::string(items[i]) + "\" is named twice", item});
    }
    out.emplace_back(items[i]);
  }
  return out;
}

Names defaults_of(AlgorithmKind kind) {
  const auto list = default_algorithms(kind);
  return Names(list.begin(), list.end());
}

// `first`, then those of `rest` not in it.
Names merged(Names first, const Names& rest) {
  for (const auto& name : rest) {
    if (!contains(first, name)) first.push_back(name);
  }
  return first;
}

Resolved non_empty(AlgorithmKind kind, Names names) {
  if (names.empty()) {
    return std::unexpected(AlgorithmListError{
        "leaves no algorithm to offer (libssh's default: " + joined(default_algorithms(kind), ",") + ")"});
  }
  return names;
}

}  // namespace

std::string_view config_key(AlgorithmKind kind) {
  switch (kind) {
    case AlgorithmKind::kex: return "kex_algorithms";
    case AlgorithmKind::cipher: return "ciphers";
    case AlgorithmKind::mac: return "macs";
    case AlgorithmKind::host_key: return "host_key_algorithms";
    case AlgorithmKind::pubkey: return "pubkey_accepted_algorithms";
  }
  return "";
}

std::span<const std::string_view> default_algorithms(AlgorithmKind kind) {
  switch (kind) {
    case AlgorithmKind::kex: return kDefaultKex;
    case AlgorithmKind::cipher: return kDefaultCiphers;
    case AlgorithmKind::mac: return kDefaultMacs;
    case AlgorithmKind::host_key: return kDefaultHostKeys;
    case AlgorithmKind::pubkey: return kDefaultPubkeys;
  }
  return {};
}

std::span<const std::string_view> supported_algorithms(AlgorithmKind kind) {
  switch (kind) {
    case AlgorithmKind::kex: return kSupportedKex;
    case AlgorithmKind::cipher: return kSupportedCiphers;
    case AlgorithmKind::mac: return kSupportedMacs;
    case AlgorithmKind::host_key: return kSupportedHostKeys;
    case AlgorithmKind::pubkey: return kSupportedPubkeys;
  }
  return {};
}

Resolved resolve_algorithms(AlgorithmKind kind, std::string_view spec) {
  const char op = spec.empty() ? '\0' : spec.front();
  const bool prefixed = op == '+' || op == '-' || op == '^';
  const auto names = split(prefixed ? spec.substr(1) : spec);
  auto listed = checked(kind, names, false);
  if (!listed) return listed;
  switch (op) {
    case '+': return merged(defaults_of(kind), *listed);
    case '^': return merged(std::move(*listed), defaults_of(kind));
    case '-': {
      Names rest = defaults_of(kind);
      std::erase_if(rest, [&](const std::string& name) { return contains(*listed, name); });
      return non_empty(kind, std::move(rest));
    }
    default: return listed;
  }
}

Resolved resolve_algorithms(AlgorithmKind kind, std::span<const std::string> names) {
  const std::vector<std::string_view> views(names.begin(), names.end());
  auto listed = checked(kind, views, true);
  if (!listed) return listed;
  return non_empty(kind, std::move(*listed));
}

bool key_signs_as(std::string_view key_type, bool certificate, std::string_view name) {
  constexpr std::string_view kCert = "-cert-v01@openssh.com";
  if (name.ends_with(kCert)) {
    if (!certificate) return false;
    name.remove_suffix(kCert.size());
  }
  if (key_type == "ssh-rsa") return name == "ssh-rsa" || name == "rsa-sha2-256" || name == "rsa-sha2-512";
  return name == key_type;
}

}  // namespace spe
