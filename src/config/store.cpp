#include "config/store.hpp"

#include <glob.h>

#include <functional>
#include <set>

#include "util/file.hpp"

namespace spe {
namespace {

// 64-bit FNV-1a: stable across runs and cheap; change detection needs no cryptographic strength.
void mix(std::uint64_t& hash, std::string_view bytes) {
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
}

}  // namespace

std::vector<SourceFile> config_source_files(const ExporterConfig& config) {
  std::vector<SourceFile> files{{config.file, SourceKind::config}};
  // Expanded now, not as at load: a module file added to modules/ is a change too.
  for (const std::string& pattern : config.include_patterns) {
    glob_t matches{};
    if (::glob(pattern.c_str(), 0, nullptr, &matches) == 0) {
      for (std::size_t i = 0; i < matches.gl_pathc; ++i) files.push_back({matches.gl_pathv[i], SourceKind::config});
    }
    ::globfree(&matches);
  }
  // Each once: modules and jump hosts often share a key or a known_hosts file, which may be large.
  std::set<std::string> named;
  const auto add = [&](const Auth& auth, const HostKeyPolicy& host_key) {
    for (const auto& [path, kind] :
         {std::pair{&auth.private_key_path, SourceKind::key}, std::pair{&auth.certificate_path, SourceKind::key},
          std::pair{&auth.password_file, SourceKind::secret}, std::pair{&auth.passphrase_file, SourceKind::secret},
          std::pair{&host_key.known_hosts, SourceKind::known_hosts}}) {
      if (!path->empty() && named.insert(*path).second) files.push_back({*path, kind});
    }
  };
  for (const auto& [name, module] : config.modules) add(module.auth, module.host_key);
  for (const auto& [name, hop] : config.jump_hosts) add(hop->auth, hop->host_key);
  return files;
}

std::uint64_t content_fingerprint(const std::vector<SourceFile>& files) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const SourceFile& file : files) {
    mix(hash, file.path);
    // The loader's own read: bounded, and refusing what it refuses, before reading any of it.
    const auto content = read_file_bounded(file.path, max_file_size(file.kind));
    if (!content) {
      mix(hash, std::string_view("\0unreadable", 11));
      mix(hash, content.error().describe());
      continue;
    }
    mix(hash, std::to_string(content->text.size()));
    mix(hash, content->text);
    // A chmod matters too: the loader warns about secrets others may read.
    mix(hash, std::to_string(content->permissions));
  }
  return hash;
}

ConfigStore::ConfigStore(ConfigSnapshot initial)
    : file_(initial->file), current_(std::move(initial)), attempted_fingerprint_(fingerprint_of(*current_)) {}

std::uint64_t ConfigStore::fingerprint_of(const ExporterConfig& config) const {
  auto files = config_source_files(config);
  files.front().path = file_;
  return content_fingerprint(files);
}

ConfigResult<ConfigSnapshot> ConfigStore::reload() {
  const std::lock_guard reload_lock(reload_mutex_);
  const ConfigSnapshot previous = current();
  // Taken before reading, so a change made while loading shows at the next check.
  attempted_fingerprint_ = fingerprint_of(*previous);
  auto next = load_config_file(file_);
  if (!next) return std::unexpected(std::move(next.error()));
  auto snapshot = std::make_shared<const ExporterConfig>(std::move(*next));
  // The new config depends on other files (a key added, say): only then hash again, afterwards.
  if (config_source_files(*snapshot) != config_source_files(*previous)) {
    attempted_fingerprint_ = fingerprint_of(*snapshot);
  }
  replace(snapshot);
  return snapshot;
}

bool ConfigStore::changed_on_disk() const {
  const ConfigSnapshot config = current();
  const std::uint64_t now = fingerprint_of(*config);
  const std::lock_guard reload_lock(reload_mutex_);
  return now != attempted_fingerprint_;
}

}  // namespace spe
