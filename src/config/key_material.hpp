// KeyMaterial: a private key (and optional user certificate) loaded and decrypted once at config
// load, shared read-only by every probe of the config snapshot.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <libssh/libssh.h>

#include "util/result.hpp"
#include "util/secret.hpp"

namespace spe {

struct KeyMaterial {
  // The private key; when a certificate is configured it is already attached
  // (ssh_pki_copy_cert_to_privkey), so ssh_userauth_publickey offers the certificate.
  std::shared_ptr<ssh_key_struct> key;
  std::string key_path;
  std::string certificate_path;  // empty without a certificate
  // The certificate's valid_before as Unix seconds; nullopt without a certificate or when the
  // certificate says "forever".
  std::optional<std::int64_t> certificate_valid_before;
  // st_mode & 07777 of key_path as read: the loader warns when group or others may read it.
  unsigned key_file_permissions = 0;
};

// Loads and decrypts `key_path` (OpenSSH or PEM format), and attaches `certificate_path` when not
// empty. Errors name the file and why (unreadable, wrong passphrase, certificate for another key).
Result<KeyMaterial> load_key_material(const std::string& key_path, const Secret* passphrase,
                                      const std::string& certificate_path);

// Reads valid_before from an OpenSSH certificate blob (the decoded base64 of a *-cert.pub file).
// Pure; exposed for tests.
Result<std::optional<std::int64_t>> certificate_valid_before(const std::string& blob);

}  // namespace spe
