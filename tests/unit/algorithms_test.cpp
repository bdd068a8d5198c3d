// The algorithm lists (config/algorithms.hpp): OpenSSH's list syntax resolved against the carried tables, the
// tables checked against the libssh this is linked with, and the keys as a module and a jump host load them.
// (That the defaults are what libssh offers is checked against sshd's log in tests/integration/algorithms_test.cpp.)
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include <libssh/libssh.h>

#include "config/algorithms.hpp"
#include "config/load.hpp"

using spe::AlgorithmKind;
using Names = std::vector<std::string>;

namespace {

const std::string kData = SPE_TEST_DATA;
const std::string kFile = kData + "/config/x.toml";

Names defaults(AlgorithmKind kind) {
  const auto list = spe::default_algorithms(kind);
  return Names(list.begin(), list.end());
}

Names resolved(AlgorithmKind kind, std::string_view spec) {
  const auto result = spe::resolve_algorithms(kind, spec);
  INFO(spec << ": " << (result ? "" : result.error().message));
  REQUIRE(result.has_value());
  return *result;
}

std::string error_of(AlgorithmKind kind, std::string_view spec) {
  const auto result = spe::resolve_algorithms(kind, spec);
  REQUIRE_FALSE(result.has_value());
  return result.error().message;
}

// The libssh option that takes a list of `kind`.
ssh_options_e option_of(AlgorithmKind kind) {
  switch (kind) {
    case AlgorithmKind::kex: return SSH_OPTIONS_KEY_EXCHANGE;
    case AlgorithmKind::cipher: return SSH_OPTIONS_CIPHERS_C_S;
    case AlgorithmKind::mac: return SSH_OPTIONS_HMAC_C_S;
    case AlgorithmKind::host_key: return SSH_OPTIONS_HOSTKEYS;
    case AlgorithmKind::pubkey: return SSH_OPTIONS_PUBLICKEY_ACCEPTED_TYPES;
  }
  return SSH_OPTIONS_HOST;
}

// Whether libssh takes `list` for `kind`: it keeps the names it knows and fails only when none is left.
bool libssh_accepts(AlgorithmKind kind, const std::string& list) {
  std::unique_ptr<ssh_session_struct, decltype(&ssh_free)> session(ssh_new(), &ssh_free);
  return ssh_options_set(session.get(), option_of(kind), list.c_str()) == SSH_OK;
}

}  // namespace

TEST_CASE("algorithm lists: exact, +append, -remove, ^first, as OpenSSH reads them", "[unit][algorithms]") {
  const auto kex = AlgorithmKind::kex;
  CHECK(resolved(kex, "diffie-hellman-group14-sha1,curve25519-sha256") ==
        Names{"diffie-hellman-group14-sha1", "curve25519-sha256"});

  Names appended = defaults(kex);
  appended.push_back("diffie-hellman-group1-sha1");
  appended.push_back("diffie-hellman-group14-sha1");
  CHECK(resolved(kex, "+diffie-hellman-group1-sha1,diffie-hellman-group14-sha1") == appended);
  // A default named again stays where it is.
  CHECK(resolved(kex, "+curve25519-sha256") == defaults(kex));

  Names removed = defaults(AlgorithmKind::mac);
  removed.erase(removed.begin());
  CHECK(resolved(AlgorithmKind::mac, "-hmac-sha2-256-etm@openssh.com") == removed);
  // Removing what the default lacks changes nothing.
  CHECK(resolved(AlgorithmKind::mac, "-hmac-sha1") == defaults(AlgorithmKind::mac));

  Names first = defaults(AlgorithmKind::cipher);
  first.erase(first.begin() + 5);  // aes128-ctr
  first.insert(first.begin(), {"aes128-cbc", "aes128-ctr"});
  CHECK(resolved(AlgorithmKind::cipher, "^aes128-cbc,aes128-ctr") == first);

  Names host_keys = defaults(AlgorithmKind::host_key);
  host_keys.push_back("ssh-rsa");
  CHECK(resolved(AlgorithmKind::host_key, "+ssh-rsa") == host_keys);
  Names pubkeys = defaults(AlgorithmKind::pubkey);
  pubkeys.push_back("ssh-rsa");
  CHECK(resolved(AlgorithmKind::pubkey, "+ssh-rsa") == pubkeys);

  const Names array{"aes128-cbc", "3des-cbc"};
  const auto from_array = spe::resolve_algorithms(AlgorithmKind::cipher, std::span<const std::string>(array));
  REQUIRE(from_array.has_value());
  CHECK(*from_array == array);
}

TEST_CASE("algorithm lists: unknown names, repeats and empty results are errors", "[unit][algorithms]") {
  CHECK(error_of(AlgorithmKind::cipher, "+blowfish-cbc") ==
        "unknown algorithm \"blowfish-cbc\" (supported: chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,"
        "aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr,aes256-cbc,aes192-cbc,aes128-cbc,3des-cbc)");
  CHECK(error_of(AlgorithmKind::kex, "") == "empty algorithm name");
  CHECK(error_of(AlgorithmKind::kex, "+") == "empty algorithm name");
  CHECK(error_of(AlgorithmKind::kex, "curve25519-sha256,,ecdh-sha2-nistp256") == "empty algorithm name");
  CHECK(error_of(AlgorithmKind::mac, "hmac-sha1,hmac-sha1") == "\"hmac-sha1\" is named twice");
  CHECK(error_of(AlgorithmKind::kex, "+kex-strict-c-v00@openssh.com") ==
        "\"kex-strict-c-v00@openssh.com\" is not a key exchange method: libssh adds it to its offer itself");
  CHECK(error_of(AlgorithmKind::host_key, "ssh-dss") == "\"ssh-dss\": DSA is not built into this libssh");
  CHECK(error_of(AlgorithmKind::mac,
                 "-hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512") ==
        "leaves no algorithm to offer (libssh's default: hmac-sha2-256-etm@openssh.com,"
        "hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512)");
  // An error in an array names the element.
  const Names array{"aes128-ctr", "aes128-cbc", "rc4"};
  const auto result = spe::resolve_algorithms(AlgorithmKind::cipher, std::span<const std::string>(array));
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().item == 2);
}

TEST_CASE("every algorithm carried as supported is one the linked libssh takes, and not more", "[unit][algorithms]") {
  for (const auto kind : spe::kAlgorithmKinds) {
    INFO(spe::config_key(kind));
    for (const auto name : spe::supported_algorithms(kind)) {
      INFO(name);
      CHECK(libssh_accepts(kind, std::string(name)));
    }
    for (const auto name : spe::default_algorithms(kind)) {
      const auto supported = spe::supported_algorithms(kind);
      CHECK(std::ranges::find(supported, name) != supported.end());
    }
  }
  // What Debian's build leaves out: DSA, blowfish, the "none" cipher and MAC.
  CHECK_FALSE(libssh_accepts(AlgorithmKind::host_key, "ssh-dss"));
  CHECK_FALSE(libssh_accepts(AlgorithmKind::cipher, "blowfish-cbc"));
  CHECK_FALSE(libssh_accepts(AlgorithmKind::cipher, "none"));
  CHECK_FALSE(libssh_accepts(AlgorithmKind::mac, "none"));
  CHECK_FALSE(libssh_accepts(AlgorithmKind::kex, "sntrup761x25519-sha512@openssh.com"));
}

TEST_CASE("which user keys sign as which public key algorithm", "[unit][algorithms]") {
  CHECK(spe::key_signs_as("ssh-rsa", false, "ssh-rsa"));
  CHECK(spe::key_signs_as("ssh-rsa", false, "rsa-sha2-512"));
  CHECK_FALSE(spe::key_signs_as("ssh-rsa", false, "rsa-sha2-512-cert-v01@openssh.com"));
  CHECK(spe::key_signs_as("ssh-rsa", true, "rsa-sha2-512-cert-v01@openssh.com"));
  CHECK(spe::key_signs_as("ssh-ed25519", false, "ssh-ed25519"));
  CHECK_FALSE(spe::key_signs_as("ssh-ed25519", false, "ssh-rsa"));
  CHECK(spe::key_signs_as("ecdsa-sha2-nistp256", true, "ecdsa-sha2-nistp256-cert-v01@openssh.com"));
}

TEST_CASE("a module and a jump host load their algorithm keys, resolved", "[unit][algorithms]") {
  const auto result = spe::load_config_text(
      "[jump_hosts.bastion]\nhost = \"bastion.example.com\"\npassword = \"pw\"\n"
      "host_key_fingerprints = [\"ssh-rsa SHA256:NNiO3i6J7vqAK/7kXUxSJHX03qs28+GYPbxHwkS4Eqc\"]\n"
      "kex_algorithms = \"diffie-hellman-group14-sha1\"\n"
      "[modules.old]\npassword = \"pw\"\ninsecure_ignore_host_key = true\njump_hosts = [\"bastion\"]\n"
      "ciphers = [\"aes128-cbc\"]\nmacs = \"^hmac-sha1\"\nhost_key_algorithms = \"ssh-rsa\"\n"
      "pubkey_accepted_algorithms = \"-rsa-sha2-256\"\n",
      kFile);
  INFO((result ? "" : result.error().to_string()));
  REQUIRE(result.has_value());
  const auto& hop = *result->jump_hosts.at("bastion");
  CHECK(hop.algorithms.kex == Names{"diffie-hellman-group14-sha1"});
  CHECK(hop.algorithms.ciphers.empty());
  CHECK(hop.host_key.fingerprints == Names{"SHA256:NNiO3i6J7vqAK/7kXUxSJHX03qs28+GYPbxHwkS4Eqc"});
  CHECK(hop.host_key.fingerprint_types == Names{"ssh-rsa"});
  const auto& module = result->modules.at("old");
  CHECK(module.algorithms.kex.empty());
  CHECK(module.algorithms.ciphers == Names{"aes128-cbc"});
  CHECK(module.algorithms.macs.front() == "hmac-sha1");
  CHECK(module.algorithms.macs.size() == defaults(AlgorithmKind::mac).size() + 1);
  CHECK(module.host_key.algorithms == Names{"ssh-rsa"});
  CHECK(std::ranges::find(module.algorithms.pubkeys, "rsa-sha2-256") == module.algorithms.pubkeys.end());
  CHECK(module.algorithms.pubkeys.size() == defaults(AlgorithmKind::pubkey).size() - 1);
}
