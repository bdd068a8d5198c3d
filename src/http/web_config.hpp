// The web config (--web.config.file): TLS for the listener and basic-auth users, in TOML, after the
// Prometheus exporter toolkit's web config. Loading checks everything it can without a socket:
// known keys, types, readable files, bcrypt hash syntax; errors name the key and file:line:column.
//
//   [tls]
//   cert_file = "server.crt"      # PEM certificate chain, server certificate first
//   key_file = "server.key"       # PEM private key of that certificate
//   client_ca_file = "ca.crt"     # optional: require client certificates signed by this CA
//
//   [basic_auth_users]
//   prometheus = "$2y$10$..."     # user = bcrypt hash (htpasswd -nbBC 10 USER PASSWORD)
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "config/toml_reader.hpp"
#include "util/result.hpp"

namespace spe::http {

// PEM certificates, keys and CA bundles larger than this are not one.
constexpr std::size_t kMaxTlsFileSize = 4 << 20;

struct TlsConfig {
  std::string cert_file;  // absolute, or relative to the working directory
  std::string key_file;
  std::string client_ca_file;  // empty: clients are not asked for certificates
  // Where each key was set, so errors found while loading the files into OpenSSL name it.
  SourcePos cert_file_at;
  SourcePos key_file_at;
  SourcePos client_ca_file_at;
};

struct WebConfig {
  std::optional<TlsConfig> tls;                         // nullopt: plain HTTP
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash; empty: no auth
};

// Parses `text` as if read from `file` (positions; paths relative to its directory). Every problem
// found is an error, in file order: "tls.key_file: missing: [tls] needs cert_file and key_file at
// web.toml:1:1".
ConfigResult<WebConfig> load_web_config_text(std::string_view text, const std::string& file);

// Reads `file` (at most 1 MiB) and calls load_web_config_text. An unreadable file is one error
// naming the file.
ConfigResult<WebConfig> load_web_config_file(const std::string& file);

// Whether `hash` is a bcrypt hash libxcrypt verifies: "$2a$", "$2b$" or "$2y$", a two-digit cost
// from 04 to 31, "$", then 53 characters of bcrypt's base64 (22 of salt, 31 of hash).
bool is_bcrypt_hash(std::string_view hash);

}  // namespace spe::http
