// The algorithm lists a module or a jump host may set (kex_algorithms, ciphers, macs,
// host_key_algorithms, pubkey_accepted_algorithms): the default and the supported lists of the
// libssh the exporter is built with, and the OpenSSH list syntax resolved against them. libssh
// 0.10 exports neither list and has no "+", "-" or "^", so the exporter carries both (read from
// libssh 0.10.6's src/kex.c; tests/integration/algorithms_test.cpp checks them against libssh).
// Pure.
#pragma once

#include <array>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace spe {

enum class AlgorithmKind { kex, cipher, mac, host_key, pubkey };

inline constexpr std::array<AlgorithmKind, 5> kAlgorithmKinds{AlgorithmKind::kex, AlgorithmKind::cipher,
                                                              AlgorithmKind::mac, AlgorithmKind::host_key,
                                                              AlgorithmKind::pubkey};

// The config key of `kind`: "kex_algorithms", "ciphers", "macs", "host_key_algorithms",
// "pubkey_accepted_algorithms".
std::string_view config_key(AlgorithmKind kind);

// What libssh offers when the key is not set, in its order.
std::span<const std::string_view> default_algorithms(AlgorithmKind kind);

// Every name libssh accepts for `kind` (the defaults among them). Names it knows but a client cannot
// use (host certificate types, DSA in Debian's build) are not here.
std::span<const std::string_view> supported_algorithms(AlgorithmKind kind);

// One name or list that cannot be used, and which: the message names the algorithm (and lists
// the supported ones when the name is unknown); `item` is the index of the array element or -1
// for the string as a whole.
struct AlgorithmListError {
  std::string message;
  int item = -1;
};

// `spec` in OpenSSH syntax: "a,b" is that list, "+a,b" appends to the default, "-a,b" removes from
// it, "^a,b" puts them first. Unknown names, a name twice, and an empty result are errors.
std::expected<std::vector<std::string>, AlgorithmListError> resolve_algorithms(AlgorithmKind kind,
                                                                               std::string_view spec);

// An array of names: exactly that list, in order (no prefixes).
std::expected<std::vector<std::string>, AlgorithmListError> resolve_algorithms(AlgorithmKind kind,
                                                                               std::span<const std::string> names);

// Whether a user key of `key_type` ("ssh-rsa", "ssh-ed25519", as ssh_key_type_to_char says) can
// sign with public key algorithm `name`; with `certificate`, as the certificate's types too. An
// RSA key signs as rsa-sha2-512, rsa-sha2-256 or ssh-rsa (SHA-1).
bool key_signs_as(std::string_view key_type, bool certificate, std::string_view name);

}  // namespace spe
