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
#include "config/toml_reader.hpp"
#include "util/duration.hpp"
#include "util/file.hpp"

namespace spe {
namespace {

constexpr std::array<std::string_view, 15> kModuleKeys{
    "port",
    "user",
    "allowed_targets",
    "timeout",
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
};

// What libssh 0.10 accepts in SSH_OPTIONS_HOSTKEYS for a client.
constexpr std::array<std::string_view, 9> kHostKeyAlgorithms{
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "rsa-sha2-512",
    "rsa-sha2-256",
    "ssh-rsa",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
};

constexpr std::array<std::string_view, 2> kTopLevelKeys{"modules", "include"};
constexpr std::array<std::string_view, 2> kIpProtocols{"ip4", "ip6"};

constexpr std::size_t kMaxIncludedFiles = 1000;

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

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

// Each known_hosts file of one load, parsed once however many modules (in however many included
// files) name it.
using KnownHostsCache = std::map<std::string, std::shared_ptr<const KnownHosts>>;

// What every module of one load shares, whichever file it is in: the parsed known_hosts files and
// the process user.
class LoadShared {
 public:
  const std::optional<std::string>& process_user() {
    if (!process_user_looked_up_) {
      process_user_ = process_user_name();
      process_user_looked_up_ = true;
    }
    return process_user_;
  }

  // The known_hosts file at `path`, parsed: read at the first request of this load, shared after.
  std::expected<std::shared_ptr<const KnownHosts>, FileError> known_hosts(const std::string& path) {
    if (const auto it = known_hosts_.find(path); it != known_hosts_.end()) return it->second;
    auto file = read_file_bounded(path, max_file_size(SourceKind::known_hosts));
    if (!file) return std::unexpected(file.error());
    auto parsed = std::make_shared<const KnownHosts>(path, file->text);
    known_hosts_.emplace(path, parsed);
    return parsed;
  }

 private:
  KnownHostsCache known_hosts_;
  std::optional<std::string> process_user_;
  bool process_user_looked_up_ = false;
};

// The keys of a module table: its own and the command keys.
const std::vector<std::string_view>& module_keys() {
  static const std::vector<std::string_view> keys = [] {
    std::vector<std::string_view> all(kModuleKeys.begin(), kModuleKeys.end());
    all.insert(all.end(), kCommandModuleKeys.begin(), kCommandModuleKeys.end());
    return all;
  }();
  return keys;
}

// One [modules.NAME] table -> Module. Each read_* reads one group of keys, and a validate() checks
// the rules between them; a key that is missing keeps the default already in Module.
class ModuleLoader {
 public:
  ModuleLoader(LoadShared& shared, TomlReader table) : shared_(shared), table_(std::move(table)) {}

  Module load(const std::string& name) {
    Module module;
    module.name = name;
    module.where = table_.position();
    table_.check_keys(module_keys());
    read_connection(module);
    read_allowed_targets(module);
    read_host_key(module.host_key);
    validate(module.host_key);
    read_auth(module.auth);
    validate(module.auth);
    warn_if_password_to_anyone(module);
    // Last: a command's timeout is checked against the module's.
    module.commands = load_commands(table_, module);
    return module;
  }

 private:
  bool has(std::string_view key) const { return table_.has(key); }

  // As ssh does for a private key: a secret file that group or others may read is said at load.
  void warn_if_too_open(std::string_view key, const std::string& file, unsigned permissions) {
    if ((permissions & 077) == 0) return;
    std::array<char, 16> octal{};
    std::snprintf(octal.data(), octal.size(), "%04o", permissions);
    table_.warning(key, "permissions " + std::string(octal.data()) + " for " + in_quotes(file) +
                            " are too open: group or others may read this secret (chmod 600 it)");
  }

  // A password given to every server, with no host key to tell a stranger's server from the right
  // one: whoever can name a target (anyone who reaches /probe) can collect it.
  void warn_if_password_to_anyone(const Module& module) {
    if (!module.host_key.insecure_ignore || !module.allowed_targets.empty()) return;
    if (!has("password") && !has("password_file")) return;
    table_.table_warning(
        "sends its password to any target without checking the host key (insecure_ignore_host_key = "
        "true and no allowed_targets): set allowed_targets, or known_hosts or host_key_fingerprints");
  }

  // The value is never quoted back: the string getter's messages name only the key.
  std::optional<Secret> secret_value(std::string_view key) {
    auto value = table_.string(key);
    return value ? std::optional(Secret(std::move(*value))) : std::nullopt;
  }

  // The content of the file named by `key`, one trailing newline stripped.
  std::optional<Secret> secret_file(std::string_view key, std::string& path_out) {
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

  void read_connection(Module& module) {
    if (const auto port = table_.integer("port", 1, 65535)) module.port = static_cast<std::uint16_t>(*port);
    if (const auto timeout = table_.duration("timeout")) module.timeout = *timeout;
    if (const auto protocol = table_.choice("ip_protocol", kIpProtocols)) {
      module.ip_protocol = *protocol == "ip4" ? IpProtocol::ip4 : IpProtocol::ip6;
    }
    if (const auto user = table_.string("user")) {
      module.auth.user = *user;
    } else if (!has("user")) {
      const auto& process_user = shared_.process_user();
      if (process_user) {
        module.auth.user = *process_user;
      } else {
        table_.table_error("user is not set, and the user the exporter runs as has no name");
      }
    }
  }

  // Each pattern is checked and compiled here, so a typo is a load error, not a refused probe.
  void read_allowed_targets(Module& module) {
    const auto values = table_.string_array("allowed_targets");
    if (!values) return;
    std::vector<TargetPattern> patterns;
    for (std::size_t i = 0; i < values->size(); ++i) {
      const auto& [text, node] = (*values)[i];
      auto pattern = parse_target_pattern(text);
      if (!pattern) {
        table_.error("allowed_targets[" + std::to_string(i) + "]", pattern.error().message, *node);
        continue;
      }
      module.allowed_targets.push_back(text);
      patterns.push_back(std::move(*pattern));
    }
    module.allowlist = std::make_shared<const TargetAllowlist>(std::move(patterns));
  }

  void read_host_key(HostKeyPolicy& policy) {
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
    read_algorithms(policy);
    if (const auto insecure = table_.boolean("insecure_ignore_host_key")) policy.insecure_ignore = *insecure;
  }

  void read_fingerprints(HostKeyPolicy& policy) {
    const auto values = table_.string_array("host_key_fingerprints");
    if (!values) return;
    for (std::size_t i = 0; i < values->size(); ++i) {
      const auto& [text, node] = (*values)[i];
      if (valid_fingerprint(text)) {
        policy.fingerprints.push_back(text);
      } else {
        table_.error("host_key_fingerprints[" + std::to_string(i) + "]",
                     in_quotes(text) +
                         " is not a SHA256 fingerprint (\"SHA256:\" and 43 base64 "
                         "characters, as ssh-keygen -lf prints)",
                     *node);
      }
    }
  }

  void read_algorithms(HostKeyPolicy& policy) {
    const auto values = table_.string_array("host_key_algorithms");
    if (!values) return;
    for (std::size_t i = 0; i < values->size(); ++i) {
      const auto& [name, node] = (*values)[i];
      const std::string key = "host_key_algorithms[" + std::to_string(i) + "]";
      if (contains(kHostKeyAlgorithms, name)) {
        policy.algorithms.push_back(name);
      } else if (name.find("-cert-v01@openssh.com") != std::string::npos) {
        // libssh 0.10 drops certificate host key types (and "Out of memory" if forced).
        table_.error(key,
                     in_quotes(name) +
                         " is a host certificate type, which libssh 0.10 does not support; "
                         "use the plain key type and known_hosts or host_key_fingerprints",
                     *node);
      } else {
        table_.error(
            key, "unknown host key algorithm " + in_quotes(name) + " (supported: " + joined(kHostKeyAlgorithms) + ")",
            *node);
      }
    }
  }

  // Exactly one way to trust a host key: known_hosts and/or fingerprints, or skipping the check.
  void validate(const HostKeyPolicy& policy) {
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

  void read_auth(Auth& auth) {
    if (auto password = secret_value("password")) auth.password = std::move(password);
    if (auto password = secret_file("password_file", auth.password_file)) {
      auth.password = std::move(password);
    }
    read_key(auth);
  }

  // At least one credential; a file or an inline secret, never both; key options need the key.
  void validate(const Auth&) {
    table_.exclusive("passphrase_file", "passphrase");
    table_.exclusive("password_file", "password");
    table_.requires_key("passphrase", "private_key");
    table_.requires_key("passphrase_file", "private_key");
    table_.requires_key("certificate", "private_key");
    if (!has("private_key") && !has("password") && !has("password_file")) {
      table_.table_error("no credentials: set private_key, password or password_file");
    }
  }

  void read_key(Auth& auth) {
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

  void load_key(Auth& auth, const std::string& key_path, const Secret* passphrase, const std::string& cert_path) {
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

  LoadShared& shared_;
  TomlReader table_;
};

// "modules.web", or modules."a b" for a name that needs quoting.
std::string module_path(std::string_view name) { return child_path("modules", name, valid_config_name(name)); }

void load_modules(LoadShared& shared, TomlReader& root, ExporterConfig& config) {
  const auto modules = root.subtable("modules");
  if (!modules) return;
  for (const auto& [key, module_node] : modules->table()) {
    const std::string name(key.str());
    const std::string path = module_path(name);
    if (!valid_config_name(name)) {
      root.file().error(path, "module name must match [A-Za-z0-9_.-]+", key.source());
    }
    const auto* table = module_node.as_table();
    if (table == nullptr) {
      root.file().error(path, "must be a table", module_node.source());
      continue;
    }
    config.modules.emplace(name, ModuleLoader(shared, TomlReader(root.file(), *table, path)).load(name));
  }
}

bool has_wildcard(std::string_view pattern) { return pattern.find_first_of("*?[") != std::string_view::npos; }

// The files one `include` pattern names, sorted: relative to the including file's directory, as
// the including file was named (so "exporter.toml" includes "modules/disk.toml").
std::vector<std::string> expand_include(TomlFile& ctx, const std::string& key, const std::string& pattern,
                                        const toml::node& at) {
  const std::string full = (std::filesystem::path(ctx.file()).parent_path() / pattern).lexically_normal().string();
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
void load_included(LoadShared& shared, TomlFile& ctx, std::string_view text, ExporterConfig& config) {
  const auto table = ctx.parse(text);
  if (!table) return;
  ExporterConfig own;
  TomlReader root(ctx, *table, "");
  load_modules(shared, root, own);
  if (root.has("include")) {
    ctx.error("include", "only the main config file may include files", table->find("include")->first.source());
  }
  root.check_keys(kTopLevelKeys);
  for (auto& [name, module] : own.modules) {
    if (const Module* first = config.find_module(name)) {
      ctx.error(module_path(name), "module also defined at " + first->where.to_string(), module.where);
    } else {
      config.modules.emplace(name, std::move(module));
    }
  }
}

// The top-level `include = ["modules/*.toml", ...]`: every file its globs name, in order, each
// once; the main file itself is skipped if a glob names it. Errors about the include list go to
// `ctx`; each file's own errors are appended to `errors`, after the main file's.
void load_includes(LoadShared& shared, TomlFile& ctx, const toml::node& node, ExporterConfig& config,
                   std::vector<ConfigErrors>& errors) {
  const auto* patterns = node.as_array();
  if (patterns == nullptr) {
    ctx.error("include", "must be an array of strings (globs such as \"modules/*.toml\")", node.source());
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
        ctx.error(key, "more than " + std::to_string(kMaxIncludedFiles) + " files included", element.source());
        return;
      }
      const auto text = read_file_bounded(file, max_file_size(SourceKind::config));
      if (!text) {
        ctx.error(key, "cannot read " + in_quotes(file) + ": " + text.error().describe(), element.source());
        continue;
      }
      TomlFile included(file);
      load_included(shared, included, text->text, config);
      errors.push_back(included.take_errors());
      std::ranges::move(included.take_warnings(), std::back_inserter(config.warnings));
    }
  }
}

}  // namespace

ConfigResult<ExporterConfig> load_config_text(std::string_view text, const std::string& file) {
  TomlFile ctx(file);
  const auto table = ctx.parse(text);
  if (!table) return std::unexpected(ctx.take_errors());
  ExporterConfig config;
  config.file = file;
  LoadShared shared;
  TomlReader root(ctx, *table, "");
  root.check_keys(kTopLevelKeys);
  load_modules(shared, root, config);
  // After this file's own modules, whatever the key order.
  const toml::node* include = root.find("include");
  std::vector<ConfigErrors> included_errors;
  if (include != nullptr) load_includes(shared, ctx, *include, config, included_errors);
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
    return std::unexpected(ConfigErrors{
        {Error{text.error().code(), "cannot read config file " + in_quotes(file) + ": " + text.error().describe(),
               std::nullopt}}});
  }
  return load_config_text(text->text, file);
}

}  // namespace spe
