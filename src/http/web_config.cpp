// TOML -> WebConfig. Unknown keys are errors, as in the exporter's own config; files named by the
// TLS keys must be readable now, so a typo fails at startup rather than at the first handshake.
#include "http/web_config.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <toml++/toml.h>

#include "util/file.hpp"

namespace spe::http {
namespace {

constexpr std::size_t kMaxWebConfigSize = 1 << 20;

constexpr std::array<std::string_view, 2> kWebConfigKeys{"tls", "basic_auth_users"};
constexpr std::array<std::string_view, 3> kTlsKeys{"cert_file", "key_file", "client_ca_file"};

// tls.<key> as a readable file path, made absolute against the config's directory; empty when
// absent or wrong (reported). `at` is where the key was set.
std::string tls_file(TomlReader& tls, std::string_view key, SourcePos& at) {
  const toml::node* node = tls.find(key);
  if (node == nullptr) return {};
  at = tls.file().position(node->source());
  auto path = tls.file_path(key);
  if (!path) return {};
  // Read once now (and not kept): a missing, unreadable or special file fails here, not in OpenSSL.
  if (const auto file = read_file_bounded(*path, kMaxTlsFileSize); !file) {
    tls.error(key, "cannot read " + in_quotes(*path) + ": " + file.error().describe());
    return {};
  }
  return std::move(*path);
}

// Both halves of the server's certificate: a [tls] table needs cert_file and key_file.
void validate(TomlReader& tls) {
  for (const std::string_view key : {"cert_file", "key_file"}) {
    if (!tls.has(key)) tls.error(key, "missing: [tls] needs cert_file and key_file", tls.table().source());
  }
}

std::optional<TlsConfig> load_tls(TomlReader& root) {
  auto table = root.subtable("tls");
  if (!table) return std::nullopt;
  table->check_keys(kTlsKeys);
  // An unknown key is most likely the missing one misspelt: that error says enough.
  const bool keys_known = table->errors() == 0;
  TlsConfig tls;
  tls.cert_file = tls_file(*table, "cert_file", tls.cert_file_at);
  tls.key_file = tls_file(*table, "key_file", tls.key_file_at);
  tls.client_ca_file = tls_file(*table, "client_ca_file", tls.client_ca_file_at);
  if (keys_known) validate(*table);
  return tls;
}

// "basic_auth_users.alice", or basic_auth_users."a b" for a name that needs quoting.
std::string user_key(std::string_view name) {
  const bool bare = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  return child_path("basic_auth_users", name, bare);
}

std::map<std::string, std::string> load_users(TomlReader& root) {
  std::map<std::string, std::string> users;
  const auto table = root.subtable("basic_auth_users");
  if (!table) return users;
  TomlFile& file = table->file();
  for (const auto& [key, value_node] : table->table()) {
    const std::string name(key.str());
    const std::string path = user_key(name);
    // Basic auth sends "user:password": a colon would make the name unreachable.
    if (name.empty() || name.find(':') != std::string::npos) {
      file.error(path, "user name must be non-empty and contain no ':'", key.source());
      continue;
    }
    const auto* hash = value_node.as_string();
    if (hash == nullptr) {
      file.error(path, "must be a string (a bcrypt hash)", value_node.source());
    } else if (!is_bcrypt_hash(hash->get())) {
      // The value is never quoted back: it is a password hash.
      file.error(path, "must be a bcrypt hash (\"$2y$10$...\", as htpasswd -nbBC 10 USER PASSWORD prints)",
                 value_node.source());
    } else {
      users.emplace(name, hash->get());
    }
  }
  return users;
}

bool bcrypt_base64(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '/';
}

}  // namespace

bool is_bcrypt_hash(std::string_view hash) {
  if (hash.size() != 60) return false;
  const std::string_view prefix = hash.substr(0, 4);
  if (prefix != "$2a$" && prefix != "$2b$" && prefix != "$2y$") return false;
  const char tens = hash[4];
  const char ones = hash[5];
  if (tens < '0' || tens > '3' || ones < '0' || ones > '9' || hash[6] != '$') return false;
  const int cost = (tens - '0') * 10 + (ones - '0');
  if (cost < 4 || cost > 31) return false;
  return std::all_of(hash.begin() + 7, hash.end(), bcrypt_base64);
}

ConfigResult<WebConfig> load_web_config_text(std::string_view text, const std::string& file) {
  TomlFile ctx(file);
  const auto root = ctx.parse(text);
  if (!root) return std::unexpected(ctx.take_errors());
  TomlReader reader(ctx, *root, "");
  reader.check_keys(kWebConfigKeys);
  WebConfig config;
  config.tls = load_tls(reader);
  config.basic_auth_users = load_users(reader);
  if (ctx.has_errors()) return std::unexpected(ctx.take_errors());
  return config;
}

ConfigResult<WebConfig> load_web_config_file(const std::string& file) {
  auto text = read_file_bounded(file, kMaxWebConfigSize);
  if (!text) {
    return std::unexpected(ConfigErrors{
        {Error{text.error().code(), "cannot read web config " + in_quotes(file) + ": " + text.error().describe(),
               std::nullopt}}});
  }
  return load_web_config_text(text->text, file);
}

}  // namespace spe::http
