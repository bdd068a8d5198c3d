// TOML -> WebConfig. Unknown keys are errors, as in the exporter's own config; files named by the
// TLS keys must be readable now, so a typo fails at startup rather than at the first handshake.
#include "http/web_config.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <toml++/toml.h>

#include "config/toml_parse.hpp"
#include "util/file.hpp"

namespace spe::http {
namespace {

constexpr std::size_t kMaxWebConfigSize = 1 << 20;

// Everything the loader needs to say where a problem is: the file and its directory.
class Context {
 public:
  explicit Context(std::string file) : file_(std::move(file)) {
    std::error_code ec;
    const auto absolute = std::filesystem::absolute(std::filesystem::path(file_), ec);
    dir_ = ec ? std::filesystem::path(".") : absolute.parent_path();
  }

  const std::string& file() const { return file_; }

  SourcePos position(const toml::source_region& region) const {
    return SourcePos{file_, static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
  }

  std::unexpected<Error> error(const std::string& key, const std::string& what, const toml::source_region& at) const {
    return fail(ErrorCode::invalid_argument, key + ": " + what, position(at));
  }

  std::string resolve(const std::string& path) const {
    const std::filesystem::path p(path);
    return (p.is_absolute() ? p : dir_ / p).lexically_normal().string();
  }

 private:
  std::string file_;
  std::filesystem::path dir_;
};


Result<void> check_keys(const Context& ctx, const toml::table& table, std::string_view prefix,
                        std::initializer_list<std::string_view> known) {
  for (const auto& [key, node] : table) {
    if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
      return ctx.error(std::string(prefix) + std::string(key.str()), "unknown key", key.source());
    }
  }
  return {};
}

// tls.<key> as a readable file path, made absolute against the config's directory; nullopt when absent.
Result<std::optional<std::string>> tls_file(const Context& ctx, const toml::table& tls, std::string_view key,
                                            SourcePos& at) {
  const toml::node* node = tls.get(key);
  if (node == nullptr) return std::optional<std::string>();
  const std::string name = "tls." + std::string(key);
  at = ctx.position(node->source());
  const auto* value = node->as_string();
  if (value == nullptr) return ctx.error(name, "must be a string", node->source());
  if (value->get().empty()) return ctx.error(name, "must not be empty", node->source());
  std::string path = ctx.resolve(value->get());
  // Read once now (and not kept): a missing, unreadable or special file fails here, not in OpenSSL.
  if (const auto file = read_file_bounded(path, kMaxTlsFileSize); !file) {
    return ctx.error(name, "cannot read \"" + path + "\": " + file.error().describe(), node->source());
  }
  return std::optional<std::string>(std::move(path));
}

Result<std::optional<TlsConfig>> load_tls(const Context& ctx, const toml::table& root) {
  const toml::node* node = root.get("tls");
  if (node == nullptr) return std::optional<TlsConfig>();
  const auto* table = node->as_table();
  if (table == nullptr) return ctx.error("tls", "must be a table", node->source());
  if (auto keys = check_keys(ctx, *table, "tls.", {"cert_file", "key_file", "client_ca_file"}); !keys) {
    return std::unexpected(keys.error());
  }
  TlsConfig tls;
  auto cert = tls_file(ctx, *table, "cert_file", tls.cert_file_at);
  if (!cert) return std::unexpected(cert.error());
  auto key = tls_file(ctx, *table, "key_file", tls.key_file_at);
  if (!key) return std::unexpected(key.error());
  auto ca = tls_file(ctx, *table, "client_ca_file", tls.client_ca_file_at);
  if (!ca) return std::unexpected(ca.error());
  if (!*cert) return ctx.error("tls.cert_file", "missing: [tls] needs cert_file and key_file", table->source());
  if (!*key) return ctx.error("tls.key_file", "missing: [tls] needs cert_file and key_file", table->source());
  tls.cert_file = std::move(**cert);
  tls.key_file = std::move(**key);
  tls.client_ca_file = ca->value_or("");
  return std::optional<TlsConfig>(std::move(tls));
}

// "basic_auth_users.alice", or basic_auth_users."a b" for a name that needs quoting.
std::string user_key(std::string_view name) {
  const bool bare = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  return "basic_auth_users." + (bare ? std::string(name) : "\"" + std::string(name) + "\"");
}

Result<std::map<std::string, std::string>> load_users(const Context& ctx, const toml::table& root) {
  std::map<std::string, std::string> users;
  const toml::node* node = root.get("basic_auth_users");
  if (node == nullptr) return users;
  const auto* table = node->as_table();
  if (table == nullptr) return ctx.error("basic_auth_users", "must be a table", node->source());
  for (const auto& [key, value_node] : *table) {
    const std::string name(key.str());
    const std::string path = user_key(name);
    // Basic auth sends "user:password": a colon would make the name unreachable.
    if (name.empty() || name.find(':') != std::string::npos) {
      return ctx.error(path, "user name must be non-empty and contain no ':'", key.source());
    }
    const auto* hash = value_node.as_string();
    if (hash == nullptr) return ctx.error(path, "must be a string (a bcrypt hash)", value_node.source());
    if (!is_bcrypt_hash(hash->get())) {
      // The value is never quoted back: it is a password hash.
      return ctx.error(path, "must be a bcrypt hash (\"$2y$10$...\", as htpasswd -nbBC 10 USER PASSWORD prints)",
                       value_node.source());
    }
    users.emplace(name, hash->get());
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

Result<WebConfig> load_web_config_text(std::string_view text, const std::string& file) {
  const Context ctx(file);
  auto root = parse_toml_text(text, ctx.file());
  if (!root) return std::unexpected(root.error());
  if (auto keys = check_keys(ctx, *root, "", {"tls", "basic_auth_users"}); !keys) return std::unexpected(keys.error());
  WebConfig config;
  auto tls = load_tls(ctx, *root);
  if (!tls) return std::unexpected(tls.error());
  config.tls = std::move(*tls);
  auto users = load_users(ctx, *root);
  if (!users) return std::unexpected(users.error());
  config.basic_auth_users = std::move(*users);
  return config;
}

Result<WebConfig> load_web_config_file(const std::string& file) {
  auto text = read_file_bounded(file, kMaxWebConfigSize);
  if (!text) {
    return fail(text.error().code(), "cannot read web config \"" + file + "\": " + text.error().describe());
  }
  return load_web_config_text(text->text, file);
}

}  // namespace spe::http
