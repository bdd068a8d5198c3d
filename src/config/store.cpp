#include "config/store.hpp"

#include <glob.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <set>

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

std::vector<std::string> config_source_files(const ExporterConfig& config) {
  std::vector<std::string> files{config.file};
  // Expanded now, not as at load: a module file added to modules/ is a change too.
  for (const std::string& pattern : config.include_patterns) {
    glob_t matches{};
    if (::glob(pattern.c_str(), 0, nullptr, &matches) == 0) {
      files.insert(files.end(), matches.gl_pathv, matches.gl_pathv + matches.gl_pathc);
    }
    ::globfree(&matches);
  }
  // Each once: modules often share a key or a known_hosts file, which may be large.
  std::set<std::string> named;
  for (const auto& [name, module] : config.modules) {
    for (const std::string* path : {&module.auth.private_key_path, &module.auth.certificate_path,
                                    &module.auth.password_file, &module.auth.passphrase_file,
                                    &module.host_key.known_hosts}) {
      if (!path->empty() && named.insert(*path).second) files.push_back(*path);
    }
  }
  return files;
}

std::uint64_t content_fingerprint(const std::vector<std::string>& files) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const std::string& file : files) {
    mix(hash, file);
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      mix(hash, std::string_view("\0unreadable", 11));
      continue;
    }
    const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    mix(hash, std::to_string(content.size()));
    mix(hash, content);
  }
  return hash;
}

ConfigStore::ConfigStore(ConfigSnapshot initial)
    : file_(initial->file), current_(std::move(initial)), attempted_fingerprint_(fingerprint_of(*current_)) {}

std::uint64_t ConfigStore::fingerprint_of(const ExporterConfig& config) const {
  auto files = config_source_files(config);
  files.front() = file_;
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
