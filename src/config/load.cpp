// TOML -> ExporterConfig. Every module and jump host starts from the defaults in model.hpp and the
// file's keys go on top; every problem is collected (not just the first) with its key path and
// file:line:column. Jump host chains are resolved once every file is read.
#include "config/load.hpp"

#include <glob.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <iterator>
#include <utility>

#include <toml++/toml.h>

#include "config/allowlist.hpp"
#include "config/file_limits.hpp"
#include "config/load_commands.hpp"
#include "config/load_jump_hosts.hpp"
#include "config/load_sftp.hpp"
#include "config/load_login.hpp"
#include "config/render.hpp"
#include "config/toml_reader.hpp"
#include "util/file.hpp"

namespace spe {
namespace {

// The keys of a module table besides the kLoginKeys and the command keys.
constexpr std::array<std::string_view, 5> kModuleOwnKeys{"timeout", "allowed_targets", "jump_hosts", "banner_comment",
                                                         "sftp"};

constexpr std::array<std::string_view, 3> kTopLevelKeys{"modules", "jump_hosts", "include"};

constexpr std::size_t kMaxIncludedFiles = 1000;

// The keys of a module table: the login keys, its own and the command keys.
const std::vector<std::string_view>& module_keys() {
  static const std::vector<std::string_view> keys = [] {
    std::vector<std::string_view> all(kLoginKeys.begin(), kLoginKeys.end());
    all.insert(all.end(), kModuleOwnKeys.begin(), kModuleOwnKeys.end());
    all.insert(all.end(), kCommandModuleKeys.begin(), kCommandModuleKeys.end());
    return all;
  }();
  return keys;
}

// One [modules.NAME] table -> Module: the login keys (LoginReader), then its own keys and the
// commands; a key that is missing keeps the default already in Module.
class ModuleLoader {
 public:
  ModuleLoader(LoadShared& shared, TomlReader table) : shared_(shared), table_(std::move(table)) {}

  // Its `jump_hosts` array goes to `names`, resolved once every file is loaded.
  Module load(const std::string& name, std::optional<HopNames>& names) {
    Module module;
    module.name = name;
    module.where = table_.position();
    table_.check_keys(module_keys());
    if (const auto timeout = table_.duration("timeout")) module.timeout = *timeout;
    if (const auto comment = table_.boolean("banner_comment")) module.banner_comment = *comment;
    LoginReader(shared_, table_)
        .read(LoginFields{module.port, module.ip_protocol, module.host_key, module.algorithms, module.auth});
    read_allowed_targets(module);
    names = read_hop_names(table_);
    if (names) module.jump_hosts = names->written();
    warn_if_password_to_anyone(module);
    // Last: a command's timeout is checked against the module's, its keys against the session.
    module.session = load_session(table_);
    module.commands = load_commands(table_, module);
    module.sftp = load_sftp(table_);
    return module;
  }

 private:
  // A password given to every server, with no host key to tell a stranger's server from the right
  // one: whoever can name a target (anyone who reaches /probe) can collect it.
  void warn_if_password_to_anyone(const Module& module) {
    if (!module.host_key.insecure_ignore || !module.allowed_targets.empty()) return;
    if (!table_.has("password") && !table_.has("password_file")) return;
    table_.table_warning(
        "sends its password to any target without checking the host key (insecure_ignore_host_key = "
        "true and no allowed_targets): set allowed_targets, or known_hosts or host_key_fingerprints");
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

  LoadShared& shared_;
  TomlReader table_;
};

// What one load gathers besides the config: what its tables share, the `jump_hosts` arrays to
// resolve once every file is read, and the included files (kept for the errors resolving finds).
struct LoadState {
  LoadShared shared;
  HopReferences hops;
  std::deque<TomlFile> included;  // in load order
};

SourcePos where_of(const Module& module) { return module.where; }
SourcePos where_of(const JumpHostPtr& hop) { return hop->where; }

// Adds `value`, the `what` at `path` named `name`, unless a file loaded before defines that name:
// then it is an error at the new one naming the first. True when added.
template <class T>
bool add_once(std::map<std::string, T>& loaded, const std::string& name, T value, TomlFile& file,
              const std::string& path, std::string_view what) {
  if (const auto first = loaded.find(name); first != loaded.end()) {
    file.error(path, std::string(what) + " also defined at " + where_of(first->second).to_string(), where_of(value));
    return false;
  }
  loaded.emplace(name, std::move(value));
  return true;
}

// Calls load(name, path, reader) for each [`key`.NAME] table of `root`, a `what` (for messages)
// whose name is checked first.
template <class Load>
void each_named_table(TomlReader& root, std::string_view key, std::string_view what, Load&& load) {
  const auto tables = root.subtable(key);
  if (!tables) return;
  for (const auto& [name_key, node] : tables->table()) {
    const std::string name(name_key.str());
    const bool bare = valid_config_name(name);
    // "modules.web", or modules."a b" for a name that needs quoting.
    const std::string path = child_path(key, name, bare);
    if (!bare) root.file().error(path, std::string(what) + " name must match [A-Za-z0-9_.-]+", name_key.source());
    const auto* table = node.as_table();
    if (table == nullptr) {
      root.file().error(path, "must be a table", node.source());
      continue;
    }
    load(name, path, TomlReader(root.file(), *table, path));
  }
}

// The [modules.*] and [jump_hosts.*] tables of one file.
void load_tables(LoadState& state, TomlReader& root, ExporterConfig& config) {
  each_named_table(root, "modules", "module", [&](const std::string& name, const std::string& path, TomlReader table) {
    std::optional<HopNames> hops;
    Module module = ModuleLoader(state.shared, std::move(table)).load(name, hops);
    if (add_once(config.modules, name, std::move(module), root.file(), path, "module") && hops) {
      state.hops.modules.emplace(name, std::move(*hops));
    }
  });
  each_named_table(
      root, "jump_hosts", "jump host", [&](const std::string& name, const std::string& path, TomlReader table) {
        std::optional<HopNames> hops;
        JumpHostPtr hop = std::make_shared<const JumpHost>(load_jump_host(state.shared, table, name, hops));
        if (add_once(config.jump_hosts, name, std::move(hop), root.file(), path, "jump host") && hops) {
          state.hops.jump_hosts.emplace(name, std::move(*hops));
        }
      });
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

// An included file: [modules.*] and [jump_hosts.*] only (no include of its own, so includes never
// form a cycle). Its tables join `config`; a name already taken is an error naming both places.
// Errors stay in `ctx`.
void load_included(LoadState& state, TomlFile& ctx, std::string_view text, ExporterConfig& config) {
  const auto table = ctx.parse(text);
  if (!table) return;
  TomlReader root(ctx, *table, "");
  load_tables(state, root, config);
  if (root.has("include")) {
    ctx.error("include", "only the main config file may include files", table->find("include")->first.source());
  }
  root.check_keys(kTopLevelKeys);
}

// The top-level `include = ["modules/*.toml", ...]`: every file its globs name, in order, each
// once; the main file itself is skipped if a glob names it. Errors about the include list go to
// `ctx`; each file's own errors stay in its TomlFile in state.included.
void load_includes(LoadState& state, TomlFile& ctx, const toml::node& node, ExporterConfig& config) {
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
      TomlFile& included = state.included.emplace_back(file);
      load_included(state, included, text->text, config);
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
  LoadState state;
  TomlReader root(ctx, *table, "");
  root.check_keys(kTopLevelKeys);
  load_tables(state, root, config);
  // After this file's own tables, whatever the key order.
  const toml::node* include = root.find("include");
  if (include != nullptr) load_includes(state, ctx, *include, config);
  // A module may name a hop of any file.
  resolve_jump_chains(config, state.hops);
  // A config that can answer no probe is a mistake, not a quiet success (unless it is already
  // wrong for another reason).
  const bool others = ctx.has_errors() ||
                      std::ranges::any_of(state.included, [](const TomlFile& more) { return more.has_errors(); });
  if (config.modules.empty() && !others) {
    ctx.error("modules",
              include != nullptr ? "none defined: the included files define no [modules.NAME] table either"
                                 : "none defined: a config needs at least one [modules.NAME] table",
              SourcePos{file, 1, 1});
  }
  ConfigErrors errors = ctx.take_errors();
  for (TomlFile& more : state.included) {
    ConfigErrors theirs = more.take_errors();
    std::ranges::move(theirs.errors, std::back_inserter(errors.errors));
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
