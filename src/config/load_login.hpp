// The keys a [modules.NAME] table and a [jump_hosts.NAME] table share: where to connect (port,
// ip_protocol), as whom (user and credentials) and how to trust the host key. Part of config/load:
// both loaders read these keys with LoginReader, so a key means the same and is refused with the
// same message in either table.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/algorithms.hpp"
#include "config/model.hpp"
#include "config/toml_reader.hpp"
#include "util/file.hpp"

namespace spe {

// The keys LoginReader reads.
inline constexpr std::array<std::string_view, 17> kLoginKeys{
    "port",
    "user",
    "ip_protocol",
    "private_key",
    "passphrase",
    "passphrase_file",
    "certificate",
    "password",
    "password_file",
    "known_hosts",
    "host_key_fingerprints",
    "host_key_algorithms",
    "insecure_ignore_host_key",
    "kex_algorithms",
    "ciphers",
    "macs",
    "pubkey_accepted_algorithms",
};

// What every table of one load shares, whichever file it is in: the parsed known_hosts files and
// the process user.
class LoadShared {
 public:
  // The user the exporter runs as, looked up once per load; nullopt when it has no name.
  const std::optional<std::string>& process_user();

  // The known_hosts file at `path`, parsed: read at the first request of this load, shared after.
  std::expected<std::shared_ptr<const KnownHosts>, FileError> known_hosts(const std::string& path);

 private:
  std::map<std::string, std::shared_ptr<const KnownHosts>> known_hosts_;
  std::optional<std::string> process_user_;
  bool process_user_looked_up_ = false;
};

// Where LoginReader stores what it reads: the fields of a Module or of a JumpHost.
struct LoginFields {
  std::uint16_t& port;
  IpProtocol& ip_protocol;
  HostKeyPolicy& host_key;
  AlgorithmChoice& algorithms;
  Auth& auth;
};

// Reads the kLoginKeys of one table into `fields`: a key that is missing keeps the default already
// there, `user` defaults to the process user. Checks the rules between them: exactly one way to
// trust a host key (known_hosts and/or host_key_fingerprints, or insecure_ignore_host_key = true),
// at least one credential, a secret inline or from a file but not both, key options only with a
// key, algorithm lists in OpenSSH syntax that name only what libssh supports (and leave the key
// something to sign with). Keys are loaded and decrypted here; a secret file group or others may read is a warning.
// Errors and warnings go to the table's file; unknown keys are the caller's to check.
class LoginReader {
 public:
  LoginReader(LoadShared& shared, TomlReader& table) : shared_(shared), table_(table) {}

  void read(LoginFields fields);

 private:
  bool has(std::string_view key) const { return table_.has(key); }
  void warn_if_too_open(std::string_view key, const std::string& file, unsigned permissions);
  std::optional<Secret> secret_value(std::string_view key);
  std::optional<Secret> secret_file(std::string_view key, std::string& path_out);
  void read_connection(LoginFields& fields);
  void read_host_key(HostKeyPolicy& policy);
  void read_fingerprints(HostKeyPolicy& policy);
  std::vector<std::string> algorithms(AlgorithmKind kind);
  void read_algorithms(LoginFields& fields);
  void validate(const HostKeyPolicy& policy);
  void read_auth(Auth& auth);
  void validate(const Auth& auth);
  void read_key(Auth& auth);
  void check_key_algorithm(const Auth& auth, const AlgorithmChoice& algorithms);
  void load_key(Auth& auth, const std::string& key_path, const Secret* passphrase, const std::string& cert_path);

  LoadShared& shared_;
  TomlReader& table_;
};

}  // namespace spe
