// The connection, host key and credential keys of a module or a jump host. Each read_* reads one
// group of keys, and a validate() checks the rules between them.
#include "config/load_login.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "config/file_limits.hpp"
#include "config/key_material.hpp"
#include "config/known_hosts.hpp"
#include "util/quote.hpp"

namespace spe {
namespace {

// The key types a fingerprint may name ("ssh-rsa SHA256:..."): those of known_hosts lines that
// libssh 0.10 can verify.
constexpr std::array<std::string_view, 7> kHostKeyTypes{
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
};

constexpr std::array<std::string_view, 2> kIpProtocols{"ip4", "ip6"};

// "abc\n" -> "abc": editors end files with a newline that is not part of the secret.
std::string strip_one_newline(std::string text) {
  if (text.ends_with("\r\n")) {
    text.resize(text.size() - 2);
  } else if (text.ends_with('\n')) {
    text.pop_back();
  }
  return text;
}

// "SHA256:" and 43 unpadded base64 characters, as ssh-keygen -lf prints.
bool valid_fingerprint(std::string_view text) {
  constexpr std::string_view kPrefix = "SHA256:";
  if (!text.starts_with(kPrefix) || text.size() != kPrefix.size() + 43) return false;
  return std::all_of(text.begin() + kPrefix.size(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
  });
}

std::optional<std::string> process_user_name() {
  const uid_t uid = ::geteuid();
  std::array<char, 4096> buffer{};
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr ||
      found->pw_name == nullptr || found->pw_name[0] == '\0') {
    return std::nullopt;
  }
  return std::string(found->pw_name);
}

}  // namespace

const std::optional<std::string>& LoadShared::process_user() {
  if (!process_user_looked_up_) {
    process_user_ = process_user_name();
    process_user_looked_up_ = true;
  }
  return process_user_;
}

std::expected<std::shared_ptr<const KnownHosts>, FileError> LoadShared::known_hosts(const std::string& path) {
  if (const auto it = known_hosts_.find(path); it != known_hosts_.end()) return it->second;
  auto file = read_file_bounded(path, max_file_size(SourceKind::known_hosts));
  if (!file) return std::unexpected(file.error());
  auto parsed = std::make_shared<const KnownHosts>(path, file->text);
  known_hosts_.emplace(path, parsed);
  return parsed;
}

void LoginReader::read(LoginFields fields) {
  read_connection(fields);
  read_host_key(fields.host_key);
  read_algorithms(fields);
  validate(fields.host_key);
  read_auth(fields.auth);
  validate(fields.auth);
  check_key_algorithm(fields.auth, fields.algorithms);
}

// As ssh does for a private key: a secret file that group or others may read is said at load.
void LoginReader::warn_if_too_open(std::string_view key, const std::string& file, unsigned permissions) {
  if ((permissions & 077) == 0) return;
  std::array<char, 16> octal{};
  std::snprintf(octal.data(), octal.size(), "%04o", permissions);
  table_.warning(key, "permissions " + std::string(octal.data()) + " for " + in_quotes(file) +
                          " are too open: group or others may read this secret (chmod 600 it)");
}

// The value is never quoted back: the string getter's messages name only the key.
std::optional<Secret> LoginReader::secret_value(std::string_view key) {
  auto value = table_.string(key);
  return value ? std::optional(Secret(std::move(*value))) : std::nullopt;
}

// The content of the file named by `key`, one trailing newline stripped.
std::optional<Secret> LoginReader::secret_file(std::string_view key, std::string& path_out) {
  const auto path = table_.file_path(key);
  if (!path) return std::nullopt;
  path_out = *path;
  auto content = read_file_bounded(*path, max_file_size(SourceKind::secret));
  if (!content) {
    table_.error(key, "cannot read " + in_quotes(*path) + ": " + content.error().describe());
    return std::nullopt;
  }
  warn_if_too_open(key, *path, content->permissions);
  auto secret = strip_one_newline(std::move(content->text));
  if (secret.empty()) {
    table_.error(key, "file " + in_quotes(*path) + " is empty");
    return std::nullopt;
  }
  return Secret(std::move(secret));
}

void LoginReader::read_connection(LoginFields& fields) {
  if (const auto port = table_.integer("port", 1, 65535)) fields.port = static_cast<std::uint16_t>(*port);
  if (const auto protocol = table_.choice("ip_protocol", kIpProtocols)) {
    fields.ip_protocol = *protocol == "ip4" ? IpProtocol::ip4 : IpProtocol::ip6;
  }
  if (const auto user = table_.string("user")) {
    fields.auth.user = *user;
  } else if (!has("user")) {
    const auto& process_user = shared_.process_user();
    if (process_user) {
      fields.auth.user = *process_user;
    } else {
      table_.table_error("user is not set, and the user the exporter runs as has no name");
    }
  }
}

void LoginReader::read_host_key(HostKeyPolicy& policy) {
  if (const auto path = table_.file_path("known_hosts")) {
    policy.known_hosts = *path;
    // Read now, once: probes look the parsed file up and never open it (a change needs a reload).
    if (auto parsed = shared_.known_hosts(*path)) {
      policy.known_hosts_entries = std::move(*parsed);
    } else {
      table_.error("known_hosts", "cannot read " + in_quotes(*path) + ": " + parsed.error().describe());
    }
  }
  read_fingerprints(policy);
  if (const auto insecure = table_.boolean("insecure_ignore_host_key")) policy.insecure_ignore = *insecure;
}

// Each "SHA256:..." or "TYPE SHA256:...": a named type is offered first (as known_hosts' are), so
// a server with several host keys shows the pinned one.
void LoginReader::read_fingerprints(HostKeyPolicy& policy) {
  const auto values = table_.string_array("host_key_fingerprints");
  if (!values) return;
  for (std::size_t i = 0; i < values->size(); ++i) {
    const auto& [text, node] = (*values)[i];
    const std::string key = "host_key_fingerprints[" + std::to_string(i) + "]";
    const auto space = text.find(' ');
    const std::string type = space == std::string::npos ? "" : text.substr(0, space);
    const std::string fingerprint = space == std::string::npos ? text : text.substr(space + 1);
    if (!type.empty() && std::ranges::find(kHostKeyTypes, type) == kHostKeyTypes.end()) {
      table_.error(key,
                   "unknown host key type " + in_quotes(type) + " (supported: " + joined(kHostKeyTypes, ", ") + ")",
                   *node);
    } else if (valid_fingerprint(fingerprint)) {
      policy.fingerprints.push_back(fingerprint);
      policy.fingerprint_types.push_back(type);
    } else {
      table_.error(key,
                   in_quotes(text) +
                       " is not a SHA256 fingerprint (\"SHA256:\" and 43 base64 "
                       "characters, as ssh-keygen -lf prints, optionally after the key type: "
                       "\"ssh-rsa SHA256:...\")",
                   *node);
    }
  }
}

// A string in OpenSSH syntax ("+a,b") or an array of names, resolved against libssh's lists.
std::vector<std::string> LoginReader::algorithms(AlgorithmKind kind) {
  const std::string_view key = config_key(kind);
  const toml::node* node = table_.find(key);
  if (node == nullptr) return {};
  std::expected<std::vector<std::string>, AlgorithmListError> resolved;
  std::vector<const toml::node*> nodes;
  if (const auto* text = node->as_string()) {
    resolved = resolve_algorithms(kind, text->get());
  } else if (const auto* array = node->as_array()) {
    const auto values = table_.string_array(key);
    if (!values || values->size() != array->size()) return {};  // reported there
    std::vector<std::string> names;
    for (const auto& [name, element] : *values) {
      names.push_back(name);
      nodes.push_back(element);
    }
    resolved = resolve_algorithms(kind, names);
  } else {
    table_.error(key, "must be a string in OpenSSH syntax (\"+a,b\", \"-a\", \"^a\", \"a,b\") or an array of names");
    return {};
  }
  if (resolved) return std::move(*resolved);
  const auto& [message, item] = resolved.error();
  if (item < 0) {
    table_.error(key, message);
  } else {
    table_.error(std::string(key) + "[" + std::to_string(item) + "]", message, *nodes[static_cast<std::size_t>(item)]);
  }
  return {};
}

void LoginReader::read_algorithms(LoginFields& fields) {
  fields.host_key.algorithms = algorithms(AlgorithmKind::host_key);
  fields.algorithms.kex = algorithms(AlgorithmKind::kex);
  fields.algorithms.ciphers = algorithms(AlgorithmKind::cipher);
  fields.algorithms.macs = algorithms(AlgorithmKind::mac);
  fields.algorithms.pubkeys = algorithms(AlgorithmKind::pubkey);
}

// Exactly one way to trust a host key: known_hosts and/or fingerprints, or skipping the check.
void LoginReader::validate(const HostKeyPolicy& policy) {
  const toml::node* insecure = table_.find("insecure_ignore_host_key");
  const bool known_hosts = has("known_hosts");
  const bool fingerprints = has("host_key_fingerprints");
  if (policy.insecure_ignore && (known_hosts || fingerprints)) {
    const std::string others = known_hosts && fingerprints ? "known_hosts and host_key_fingerprints"
                               : known_hosts               ? "known_hosts"
                                                           : "host_key_fingerprints";
    table_.error("insecure_ignore_host_key", "true contradicts " + others);
  } else if (!policy.insecure_ignore && !known_hosts && !fingerprints &&
             (insecure == nullptr || insecure->is_boolean())) {
    table_.table_error(
        "no host key verification: set known_hosts or host_key_fingerprints (or "
        "insecure_ignore_host_key = true to skip it)");
  }
}

void LoginReader::read_auth(Auth& auth) {
  if (auto password = secret_value("password")) auth.password = std::move(password);
  if (auto password = secret_file("password_file", auth.password_file)) {
    auth.password = std::move(password);
  }
  read_key(auth);
}

// At least one credential; a file or an inline secret, never both; key options need the key.
void LoginReader::validate(const Auth&) {
  table_.exclusive("passphrase_file", "passphrase");
  table_.exclusive("password_file", "password");
  table_.requires_key("passphrase", "private_key");
  table_.requires_key("passphrase_file", "private_key");
  table_.requires_key("certificate", "private_key");
  if (!has("private_key") && !has("password") && !has("password_file")) {
    table_.table_error("no credentials: set private_key, password or password_file");
  }
}

void LoginReader::read_key(Auth& auth) {
  auth.has_passphrase = has("passphrase") || has("passphrase_file");
  auto passphrase = secret_value("passphrase");
  if (auto from_file = secret_file("passphrase_file", auth.passphrase_file)) {
    passphrase = std::move(from_file);
  }
  const auto key_path = table_.file_path("private_key");
  const auto cert_path = table_.file_path("certificate");
  if (key_path) auth.private_key_path = *key_path;
  if (cert_path) auth.certificate_path = *cert_path;
  // Only a key whose settings are all valid is loaded: one error per mistake, not two.
  const bool both_passphrases = has("passphrase") && has("passphrase_file");
  const bool passphrase_ok = !auth.has_passphrase || (passphrase && !both_passphrases);
  if (!key_path || !passphrase_ok || (has("certificate") && !cert_path)) return;
  load_key(auth, *key_path, passphrase ? &*passphrase : nullptr, cert_path.value_or(""));
}

void LoginReader::load_key(Auth& auth, const std::string& key_path, const Secret* passphrase,
                           const std::string& cert_path) {
  auto material = load_key_material(key_path, passphrase, cert_path);
  if (material) {
    warn_if_too_open("private_key", key_path, material->key_file_permissions);
    auth.key = std::move(*material);
    return;
  }
  // Blame the certificate only when the key alone loads; the error text says which file.
  const bool key_alone_loads = !cert_path.empty() && load_key_material(key_path, passphrase, "").has_value();
  table_.error(key_alone_loads ? "certificate" : "private_key", material.error().message);
}

// A key that none of pubkey_accepted_algorithms lets sign would never be offered: libssh refuses
// it before asking the server.
void LoginReader::check_key_algorithm(const Auth& auth, const AlgorithmChoice& algorithms) {
  if (!auth.key || algorithms.pubkeys.empty()) return;
  const char* type_name = ssh_key_type_to_char(ssh_key_type(auth.key->key.get()));
  const std::string type = type_name != nullptr ? type_name : "unknown";
  const bool certificate = !auth.key->certificate_path.empty();
  const bool usable = std::ranges::any_of(algorithms.pubkeys, [&](const std::string& name) {
    return key_signs_as(type, certificate, name);
  });
  if (!usable) {
    table_.error("pubkey_accepted_algorithms", "names no algorithm the " + type + " key of private_key can sign with");
  }
}

}  // namespace spe
