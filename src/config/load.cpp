// TOML -> ExporterConfig. Every module starts from the defaults in model.hpp and the file's keys go
// on top; every problem is collected (not just the first) with its key path and file:line:column.
#include "config/load.hpp"

#include <glob.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <span>
#include <utility>

#include <toml++/toml.h>

#include "config/allowlist.hpp"
#include "config/file_limits.hpp"
#include "config/known_hosts.hpp"
#include "config/load_commands.hpp"
#include "config/render.hpp"
#include "config/toml_parse.hpp"
#include "util/duration.hpp"
#include "util/file.hpp"

namespace spe {
namespace {

constexpr std::array<std::string_view, 15> kModuleKeys{
    "port",          "user",          "allowed_targets",
    "timeout",       "ip_protocol",
    "private_key",   "passphrase",
    "passphrase_file", "certificate",
    "password",      "password_file",
    "known_hosts",   "host_key_fingerprints",
    "host_key_algorithms", "insecure_ignore_host_key",
};

// What libssh 0.10 accepts in SSH_OPTIONS_HOSTKEYS for a client.
constexpr std::array<std::string_view, 9> kHostKeyAlgorithms{
    "ssh-ed25519",         "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
    "rsa-sha2-512",        "rsa-sha2-256",
    "ssh-rsa",             "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
};

constexpr std::size_t kMaxIncludedFiles = 1000;

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string joined(std::span<const std::string_view> items) {
  std::string out;
  for (const auto item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

// "abc\n" -> "abc": editors end files with a newline that is not part of the secret.
std::string strip_one_newline(std::string text) {
  if (text.ends_with("\r\n")) {
    text.resize(text.size() - 2);
  } else if (text.ends_with('\n')) {
    text.pop_back();
  }
  return text;
}

bool valid_module_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
  });
}

// "SHA256:" and 43 unpadded base64 characters, as ssh-keygen -lf prints.
bool valid_fingerprint(std::string_view text) {
  constexpr std::string_view kPrefix = "SHA256:";
  if (!text.starts_with(kPrefix) || text.size() != kPrefix.size() + 43) return false;
  return std::all_of(text.begin() + kPrefix.size(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
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

// Each known_hosts file of one load, parsed once however many modules (in however many included
// files) name it.
using KnownHostsCache = std::map<std::string, std::shared_ptr<const KnownHosts>>;

// Where errors go and what every module shares: the file, its directory, the process user.
class Context {
 public:
  explicit Context(std::string file,
                   std::shared_ptr<KnownHostsCache> known_hosts = std::make_shared<KnownHostsCache>())
      : file_(std::move(file)), known_hosts_(std::move(known_hosts)) {
    std::error_code ec;
    const auto absolute = std::filesystem::absolute(std::filesystem::path(file_), ec);
    dir_ = ec ? std::filesystem::path(".") : absolute.parent_path();
  }

  const std::string& file() const { return file_; }

  SourcePos position(const toml::source_region& region) const {
    return SourcePos{file_, static_cast<int>(region.begin.line),
                     static_cast<int>(region.begin.column)};
  }

  void error(const std::string& path, const std::string& what, const toml::source_region& at) {
    error(path, what, position(at));
  }

  void error(const std::string& path, const std::string& what, SourcePos where) {
    add(Error{ErrorCode::invalid_argument, path + ": " + what, std::move(where)});
  }

  // An error that already says where (every error of a config does).
  void add(Error error) {
    positions_.push_back(error.where.value_or(SourcePos{file_, 0, 0}));
    errors_.push_back(std::move(error));
  }

  // Something that loads but deserves a look: logged at load, never refused.
  void warning(const std::string& path, const std::string& what, const toml::source_region& at) {
    warnings_.push_back(ConfigWarning{path + ": " + what, position(at)});
  }

  std::vector<ConfigWarning> take_warnings() { return std::move(warnings_); }

  std::string resolve(const std::string& path) const {
    const std::filesystem::path p(path);
    return (p.is_absolute() ? p : dir_ / p).lexically_normal().string();
  }

  const std::optional<std::string>& process_user() {
    if (!process_user_looked_up_) {
      process_user_ = process_user_name();
      process_user_looked_up_ = true;
    }
    return process_user_;
  }

  ConfigErrors take_errors() {
    // File order reads best; modules are visited in name order. Ties keep the order found.
    std::vector<std::pair<std::pair<int, int>, std::size_t>> order;
    for (std::size_t i = 0; i < errors_.size(); ++i) {
      order.emplace_back(std::pair(positions_[i].line, positions_[i].column), i);
    }
    std::sort(order.begin(), order.end());
    ConfigErrors sorted;
    for (const auto& [position, index] : order) sorted.errors.push_back(std::move(errors_[index]));
    errors_.clear();
    positions_.clear();
    return sorted;
  }

  bool has_errors() const { return !errors_.empty(); }

  // The known_hosts file at `path`, parsed: read at the first request of this load, shared after.
  std::expected<std::shared_ptr<const KnownHosts>, FileError> known_hosts(const std::string& path) {
    if (const auto it = known_hosts_->find(path); it != known_hosts_->end()) return it->second;
    auto file = read_file_bounded(path, max_file_size(SourceKind::known_hosts));
    if (!file) return std::unexpected(file.error());
    auto parsed = std::make_shared<const KnownHosts>(path, file->text);
    known_hosts_->emplace(path, parsed);
    return parsed;
  }
  const std::shared_ptr<KnownHostsCache>& known_hosts_cache() const { return known_hosts_; }

 private:
  std::string file_;
  std::shared_ptr<KnownHostsCache> known_hosts_;
  std::filesystem::path dir_;
  std::vector<Error> errors_;
  std::vector<SourcePos> positions_;  // of errors_, kept apart so sorting needs no optional
  std::vector<ConfigWarning> warnings_;
  std::optional<std::string> process_user_;
  bool process_user_looked_up_ = false;
};

// One [modules.NAME] table -> Module. Each read_* reads one group of keys and checks the rules
// between them; a key that is missing keeps the default already in Module.
class ModuleLoader {
 public:
  ModuleLoader(Context& ctx, const toml::table& table, std::string path)
      : ctx_(ctx), table_(table), path_(std::move(path)) {}

  Module load(const std::string& name) {
    Module module;
    module.name = name;
    module.where = ctx_.position(table_.source());
    check_unknown_keys();
    read_connection(module);
    read_allowed_targets(module);
    read_host_key(module.host_key);
    read_auth(module.auth);
    warn_if_password_to_anyone(module);
    read_commands(module);
    return module;
  }

 private:
  std::string key_path(std::string_view key) const { return path_ + "." + std::string(key); }

  void error(std::string_view key, const std::string& what, const toml::node& at) {
    ctx_.error(key_path(key), what, at.source());
  }

  void module_error(const std::string& what) { ctx_.error(path_, what, table_.source()); }

  // As ssh does for a private key: a secret file that group or others may read is said at load.
  void warn_if_too_open(std::string_view key, const std::string& file, unsigned permissions) {
    if ((permissions & 077) == 0) return;
    std::array<char, 16> octal{};
    std::snprintf(octal.data(), octal.size(), "%04o", permissions);
    ctx_.warning(key_path(key),
                 "permissions " + std::string(octal.data()) + " for " + in_quotes(file) +
                     " are too open: group or others may read this secret (chmod 600 it)",
                 find(key)->source());
  }

  // A password given to every server, with no host key to tell a stranger's server from the right
  // one: whoever can name a target (anyone who reaches /probe) can collect it.
  void warn_if_password_to_anyone(const Module& module) {
    if (!module.host_key.insecure_ignore || !module.allowed_targets.empty()) return;
    if (!has("password") && !has("password_file")) return;
    ctx_.warning(path_,
                 "sends its password to any target without checking the host key (insecure_ignore_host_key = "
                 "true and no allowed_targets): set allowed_targets, or known_hosts or host_key_fingerprints",
                 table_.source());
  }

  const toml::node* find(std::string_view key) const { return table_.get(key); }
  bool has(std::string_view key) const { return find(key) != nullptr; }

  void check_unknown_keys() {
    for (const auto& [key, node] : table_) {
      if (!contains(kModuleKeys, key.str()) && !contains(kCommandModuleKeys, key.str())) {
        ctx_.error(key_path(key.str()), "unknown key", key.source());
      }
    }
  }

  std::optional<std::string> string_value(std::string_view key) {
    const toml::node* node = find(key);
    if (node == nullptr) return std::nullopt;
    const auto* value = node->as_string();
    if (value == nullptr) {
      error(key, "must be a string", *node);
      return std::nullopt;
    }
    if (value->get().empty()) {
      error(key, "must not be empty", *node);
      return std::nullopt;
    }
    return value->get();
  }

  // A path relative to the config file's directory, made absolute.
  std::optional<std::string> path_value(std::string_view key) {
    const auto value = string_value(key);
    return value ? std::optional(ctx_.resolve(*value)) : std::nullopt;
  }

  // The value is never quoted back: string_value's messages name only the key.
  std::optional<Secret> secret_value(std::string_view key) {
    auto value = string_value(key);
    return value ? std::optional(Secret(std::move(*value))) : std::nullopt;
  }

  // The content of the file named by `key`, one trailing newline stripped.
  std::optional<Secret> secret_file(std::string_view key, std::string& path_out) {
    const auto path = path_value(key);
    if (!path) return std::nullopt;
    path_out = *path;
    auto content = read_file_bounded(*path, max_file_size(SourceKind::secret));
    if (!content) {
      error(key, "cannot read " + in_quotes(*path) + ": " + content.error().describe(), *find(key));
      return std::nullopt;
    }
    warn_if_too_open(key, *path, content->permissions);
    auto secret = strip_one_newline(std::move(content->text));
    if (secret.empty()) {
      error(key, "file " + in_quotes(*path) + " is empty", *find(key));
      return std::nullopt;
    }
    return Secret(std::move(secret));
  }

  // Each element with its node, for per-element positions; nullopt when missing or wrong.
  std::optional<std::vector<std::pair<std::string, const toml::node*>>> string_array(
      std::string_view key) {
    const toml::node* node = find(key);
    if (node == nullptr) return std::nullopt;
    const auto* array = node->as_array();
    if (array == nullptr) {
      error(key, "must be an array of strings", *node);
      return std::nullopt;
    }
    if (array->empty()) {
      error(key, "must not be empty", *node);
      return std::nullopt;
    }
    std::vector<std::pair<std::string, const toml::node*>> out;
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& element = *array->get(i);
      const std::string element_key = std::string(key) + "[" + std::to_string(i) + "]";
      if (const auto* value = element.as_string()) {
        out.emplace_back(value->get(), &element);
      } else {
        error(element_key, "must be a string", element);
      }
    }
    return out;
  }

  void read_connection(Module& module) {
    read_port(module);
    read_timeout(module);
    read_ip_protocol(module);
    if (const auto user = string_value("user")) {
      module.auth.user = *user;
    } else if (!has("user")) {
      const auto& process_user = ctx_.process_user();
      if (process_user) {
        module.auth.user = *process_user;
      } else {
        module_error("user is not set, and the user the exporter runs as has no name");
      }
    }
  }

  // Each pattern is checked and compiled here, so a typo is a load error, not a refused probe.
  void read_allowed_targets(Module& module) {
    const auto values = string_array("allowed_targets");
    if (!values) return;
    std::vector<TargetPattern> patterns;
    for (std::size_t i = 0; i < values->size(); ++i) {
      const auto& [text, node] = (*values)[i];
      auto pattern = parse_target_pattern(text);
      if (!pattern) {
        error("allowed_targets[" + std::to_string(i) + "]", pattern.error().message, *node);
        continue;
      }
      module.allowed_targets.push_back(text);
      patterns.push_back(std::move(*pattern));
    }
    module.allowlist = std::make_shared<const TargetAllowlist>(std::move(patterns));
  }

  void read_port(Module& module) {
    const toml::node* node = find("port");
    if (node == nullptr) return;
    const auto* value = node->as_integer();
    if (value == nullptr || value->get() < 1 || value->get() > 65535) {
      error("port", "must be an integer from 1 to 65535", *node);
      return;
    }
    module.port = static_cast<std::uint16_t>(value->get());
  }

  void read_timeout(Module& module) {
    const toml::node* node = find("timeout");
    if (node == nullptr) return;
    const auto* value = node->as_string();
    if (value == nullptr) {
      error("timeout", "must be a duration string such as \"10s\"", *node);
      return;
    }
    const auto timeout = parse_duration(value->get());
    if (!timeout) {
      error("timeout", timeout.error().message, *node);
    } else if (timeout->count() <= 0) {
      error("timeout", "must be greater than 0", *node);
    } else {
      module.timeout = *timeout;
    }
  }

  void read_ip_protocol(Module& module) {
    const toml::node* node = find("ip_protocol");
    if (node == nullptr) return;
    const auto* value = node->as_string();
    if (value != nullptr && value->get() == "ip4") {
      module.ip_protocol = IpProtocol::ip4;
    } else if (value != nullptr && value->get() == "ip6") {
      module.ip_protocol = IpProtocol::ip6;
    } else {
      error("ip_protocol", "must be \"ip4\" or \"ip6\"", *node);
    }
  }

  void read_host_key(HostKeyPolicy& policy) {
    if (const auto path = path_value("known_hosts")) {
      policy.known_hosts = *path;
      // Read now, once: probes look the parsed file up and never open it (a change needs a reload).
      if (auto parsed = ctx_.known_hosts(*path)) {
        policy.known_hosts_entries = std::move(*parsed);
      } else {
        error("known_hosts", "cannot read " + in_quotes(*path) + ": " + parsed.error().describe(),
              *find("known_hosts"));
      }
    }
    read_fingerprints(policy);
    read_algorithms(policy);
    read_insecure(policy);
  }

  void read_fingerprints(HostKeyPolicy& policy) {
    const auto values = string_array("host_key_fingerprints");
    if (!values) return;
    for (std::size_t i = 0; i < values->size(); ++i) {
      const auto& [text, node] = (*values)[i];
      if (valid_fingerprint(text)) {
        policy.fingerprints.push_back(text);
      } else {
        error("host_key_fingerprints[" + std::to_string(i) + "]",
              in_quotes(text) + " is not a SHA256 fingerprint (\"SHA256:\" and 43 base64 "
                             "characters, as ssh-keygen -lf prints)",
              *node);
      }
    }
  }

  void read_algorithms(HostKeyPolicy& policy) {
    const auto values = string_array("host_key_algorithms");
    if (!values) return;
    for (std::size_t i = 0; i < values->size(); ++i) {
      const auto& [name, node] = (*values)[i];
      const std::string key = "host_key_algorithms[" + std::to_string(i) + "]";
      if (contains(kHostKeyAlgorithms, name)) {
        policy.algorithms.push_back(name);
      } else if (name.find("-cert-v01@openssh.com") != std::string::npos) {
        // libssh 0.10 drops certificate host key types (and "Out of memory" if forced).
        error(key,
              in_quotes(name) + " is a host certificate type, which libssh 0.10 does not support; "
                             "use the plain key type and known_hosts or host_key_fingerprints",
              *node);
      } else {
        error(key, "unknown host key algorithm " + in_quotes(name) + " (supported: " +
                       joined(kHostKeyAlgorithms) + ")",
              *node);
      }
    }
  }

  void read_insecure(HostKeyPolicy& policy) {
    const toml::node* node = find("insecure_ignore_host_key");
    if (node != nullptr) {
      if (const auto* value = node->as_boolean()) {
        policy.insecure_ignore = value->get();
      } else {
        error("insecure_ignore_host_key", "must be a boolean (true or false)", *node);
      }
    }
    const bool known_hosts = has("known_hosts");
    const bool fingerprints = has("host_key_fingerprints");
    if (policy.insecure_ignore && (known_hosts || fingerprints)) {
      const std::string others = known_hosts && fingerprints ? "known_hosts and host_key_fingerprints"
                                 : known_hosts               ? "known_hosts"
                                                             : "host_key_fingerprints";
      error("insecure_ignore_host_key", "true contradicts " + others, *node);
    } else if (!policy.insecure_ignore && !known_hosts && !fingerprints &&
               (node == nullptr || node->is_boolean())) {
      module_error(
          "no host key verification: set known_hosts or host_key_fingerprints (or "
          "insecure_ignore_host_key = true to skip it)");
    }
  }

  // Reports `key` when set together with `other`.
  void exclusive(std::string_view key, std::string_view other) {
    if (has(key) && has(other)) {
      error(key, "cannot be used together with " + std::string(other), *find(key));
    }
  }

  // Reports `key` when set without `needed`.
  void requires_key(std::string_view key, std::string_view needed) {
    if (has(key) && !has(needed)) error(key, "needs " + std::string(needed), *find(key));
  }

  void read_auth(Auth& auth) {
    exclusive("passphrase_file", "passphrase");
    exclusive("password_file", "password");
    requires_key("passphrase", "private_key");
    requires_key("passphrase_file", "private_key");
    requires_key("certificate", "private_key");
    if (!has("private_key") && !has("password") && !has("password_file")) {
      module_error("no credentials: set private_key, password or password_file");
    }
    if (auto password = secret_value("password")) auth.password = std::move(password);
    if (auto password = secret_file("password_file", auth.password_file)) {
      auth.password = std::move(password);
    }
    read_key(auth);
  }

  void read_key(Auth& auth) {
    auth.has_passphrase = has("passphrase") || has("passphrase_file");
    auto passphrase = secret_value("passphrase");
    if (auto from_file = secret_file("passphrase_file", auth.passphrase_file)) {
      passphrase = std::move(from_file);
    }
    const auto key_path = path_value("private_key");
    const auto cert_path = path_value("certificate");
    if (key_path) auth.private_key_path = *key_path;
    if (cert_path) auth.certificate_path = *cert_path;
    // Only a key whose settings are all valid is loaded: one error per mistake, not two.
    const bool both_passphrases = has("passphrase") && has("passphrase_file");
    const bool passphrase_ok = !auth.has_passphrase || (passphrase && !both_passphrases);
    if (!key_path || !passphrase_ok || (has("certificate") && !cert_path)) return;
    load_key(auth, *key_path, passphrase ? &*passphrase : nullptr, cert_path.value_or(""));
  }

  void load_key(Auth& auth, const std::string& key_path, const Secret* passphrase,
                const std::string& cert_path) {
    auto material = load_key_material(key_path, passphrase, cert_path);
    if (material) {
      warn_if_too_open("private_key", key_path, material->key_file_permissions);
      auth.key = std::move(*material);
      return;
    }
    // Blame the certificate only when the key alone loads; the error text says which file.
    const bool key_alone_loads =
        !cert_path.empty() && load_key_material(key_path, passphrase, "").has_value();
    const std::string_view key = key_alone_loads ? "certificate" : "private_key";
    error(key, material.error().message, *find(key));
  }

  // Last: a command's timeout is checked against the module's.
  void read_commands(Module& module) {
    module.commands = load_commands(
        table_, path_, module, ctx_.file(),
        [this](const std::string& path, const std::string& what, const toml::source_region& at) {
          ctx_.error(path, what, at);
        });
  }

  Context& ctx_;
  const toml::table& table_;
  std::string path_;
};

// "modules.web", or modules."a b" for a name that needs quoting.
std::string module_path(std::string_view name) {
  return valid_module_name(name) ? "modules." + std::string(name) : "modules." + in_quotes(name);
}

void load_modules(Context& ctx, const toml::node& node, ExporterConfig& config) {
  const auto* modules = node.as_table();
  if (modules == nullptr) {
    ctx.error("modules", "must be a table", node.source());
    return;
  }
  for (const auto& [key, module_node] : *modules) {
    const std::string name(key.str());
    const std::string path = module_path(name);
    if (!valid_module_name(name)) {
      ctx.error(path, "module name must match [A-Za-z0-9_.-]+", key.source());
    }
    const auto* table = module_node.as_table();
    if (table == nullptr) {
      ctx.error(path, "must be a table", module_node.source());
      continue;
    }
    config.modules.emplace(name, ModuleLoader(ctx, *table, path).load(name));
  }
}

std::optional<toml::table> parse_toml(Context& ctx, std::string_view text) {
  auto table = parse_toml_text(text, ctx.file());
  if (table) return std::move(*table);
  ctx.add(std::move(table.error()));
  return std::nullopt;
}

bool has_wildcard(std::string_view pattern) {
  return pattern.find_first_of("*?[") != std::string_view::npos;
}

// The files one `include` pattern names, sorted: relative to the including file's directory, as
// the including file was named (so "exporter.toml" includes "modules/disk.toml").
std::vector<std::string> expand_include(Context& ctx, const std::string& key,
                                        const std::string& pattern, const toml::node& at) {
  const std::string full =
      (std::filesystem::path(ctx.file()).parent_path() / pattern).lexically_normal().string();
  glob_t matches{};
  const int rc = ::glob(full.c_str(), 0, nullptr, &matches);
  std::vector<std::string> files;
  if (rc == 0) files.assign(matches.gl_pathv, matches.gl_pathv + matches.gl_pathc);
  ::globfree(&matches);
  if (rc == GLOB_NOMATCH && !has_wildcard(pattern)) {
    ctx.error(key, "cannot read " + in_quotes(full) + ": " + std::strerror(ENOENT), at.source());
  } else if (rc != 0 && rc != GLOB_NOMATCH) {
    ctx.error(key, "cannot expand " + in_quotes(full), at.source());
  }
  return files;
}

// The file's identity for "already loaded": its canonical path, or the name as given.
std::string canonical_name(const std::string& file) {
  std::error_code ec;
  const auto canonical = std::filesystem::weakly_canonical(file, ec);
  return ec ? file : canonical.string();
}

// An included file: [modules.*] only (no include of its own, so there are no cycles). Its modules
// join `config`; a name already taken is an error naming both places. Errors stay in `ctx`.
void load_included(Context& ctx, std::string_view text, ExporterConfig& config) {
  const auto table = parse_toml(ctx, text);
  if (!table) return;
  ExporterConfig own;
  for (const auto& [key, node] : *table) {
    if (key.str() == "modules") {
      load_modules(ctx, node, own);
    } else if (key.str() == "include") {
      ctx.error("include", "only the main config file may include files", key.source());
    } else {
      ctx.error(std::string(key.str()), "unknown key", key.source());
    }
  }
  for (auto& [name, module] : own.modules) {
    if (const Module* first = config.find_module(name)) {
      ctx.error(module_path(name), "module also defined at " + first->where.to_string(),
                module.where);
    } else {
      config.modules.emplace(name, std::move(module));
    }
  }
}

// The top-level `include = ["modules/*.toml", ...]`: every file its globs name, in order, each
// once; the main file itself is skipped if a glob names it. Errors about the include list go to
// `ctx`; each file's own errors are appended to `errors`, after the main file's.
void load_includes(Context& ctx, const toml::node& node, ExporterConfig& config,
                   std::vector<ConfigErrors>& errors) {
  const auto* patterns = node.as_array();
  if (patterns == nullptr) {
    ctx.error("include", "must be an array of strings (globs such as \"modules/*.toml\")",
              node.source());
    return;
  }
  std::vector<std::string> seen{canonical_name(ctx.file())};
  for (std::size_t i = 0; i < patterns->size(); ++i) {
    const toml::node& element = *patterns->get(i);
    const std::string key = "include[" + std::to_string(i) + "]";
    if (element.as_string() == nullptr || element.as_string()->get().empty()) {
      ctx.error(key, "must be a non-empty string", element.source());
      continue;
    }
    config.include_patterns.push_back(
        (std::filesystem::path(ctx.file()).parent_path() / element.as_string()->get()).lexically_normal().string());
    for (const std::string& file : expand_include(ctx, key, element.as_string()->get(), element)) {
      const std::string canonical = canonical_name(file);
      if (std::find(seen.begin(), seen.end(), canonical) != seen.end()) continue;
      seen.push_back(canonical);
      if (seen.size() > kMaxIncludedFiles + 1) {
        ctx.error(key, "more than " + std::to_string(kMaxIncludedFiles) + " files included",
                  element.source());
        return;
      }
      const auto text = read_file_bounded(file, max_file_size(SourceKind::config));
      if (!text) {
        ctx.error(key, "cannot read " + in_quotes(file) + ": " + text.error().describe(), element.source());
        continue;
      }
      Context included(file, ctx.known_hosts_cache());
      load_included(included, text->text, config);
      errors.push_back(included.take_errors());
      std::ranges::move(included.take_warnings(), std::back_inserter(config.warnings));
    }
  }
}

}  // namespace

std::string ConfigErrors::to_string() const {
  std::string out;
  for (const Error& error : errors) {
    if (!out.empty()) out += '\n';
    out += error.to_string();
  }
  return out;
}

ConfigResult<ExporterConfig> load_config_text(std::string_view text, const std::string& file) {
  Context ctx(file);
  const auto table = parse_toml(ctx, text);
  if (!table) return std::unexpected(ctx.take_errors());
  ExporterConfig config;
  config.file = file;
  const toml::node* include = nullptr;
  for (const auto& [key, node] : *table) {
    if (key.str() == "modules") {
      load_modules(ctx, node, config);
    } else if (key.str() == "include") {
      include = &node;  // after this file's own modules, whatever the key order
    } else {
      ctx.error(std::string(key.str()), "unknown key", key.source());
    }
  }
  std::vector<ConfigErrors> included_errors;
  if (include != nullptr) load_includes(ctx, *include, config, included_errors);
  // A config that can answer no probe is a mistake, not a quiet success (unless it is already
  // wrong for another reason).
  const bool others = ctx.has_errors() || std::ranges::any_of(included_errors, [](const ConfigErrors& more) {
                        return !more.errors.empty();
                      });
  if (config.modules.empty() && !others) {
    ctx.error("modules",
              include != nullptr ? "none defined: the included files define no [modules.NAME] table either"
                                 : "none defined: a config needs at least one [modules.NAME] table",
              SourcePos{file, 1, 1});
  }
  ConfigErrors errors = ctx.take_errors();
  for (ConfigErrors& more : included_errors) {
    std::move(more.errors.begin(), more.errors.end(), std::back_inserter(errors.errors));
  }
  if (!errors.errors.empty()) return std::unexpected(std::move(errors));
  // The main file's warnings first, as for errors.
  auto warnings = ctx.take_warnings();
  std::ranges::move(config.warnings, std::back_inserter(warnings));
  config.warnings = std::move(warnings);
  for (auto& [name, module] : config.modules) module.toml = std::make_shared<const std::string>(render_module(module));
  return config;
}

ConfigResult<ExporterConfig> load_config_file(const std::string& file) {
  const auto text = read_file_bounded(file, max_file_size(SourceKind::config));
  if (!text) {
    return std::unexpected(ConfigErrors{{Error{
        text.error().code(), "cannot read config file " + in_quotes(file) + ": " + text.error().describe(),
        std::nullopt}}});
  }
  return load_config_text(text->text, file);
}

}  // namespace spe
