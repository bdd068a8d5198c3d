// ConfigStore: the current config snapshot. Readers take a shared_ptr<const> and keep it for the
// whole request; a reload swaps the pointer, so probes in flight finish on the config they
// started with. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/file_limits.hpp"
#include "config/load.hpp"
#include "config/model.hpp"

namespace spe {

// A file a config depends on, and what kind of file it is (which bounds how much of it is read).
struct SourceFile {
  std::string path;
  SourceKind kind = SourceKind::config;
  bool operator==(const SourceFile&) const = default;
};

// The files a loaded config depends on: the config file itself, the files its `include` globs name
// now (expanded at each call), and the key, certificate, password, passphrase and known_hosts files
// its modules and jump hosts name (all read at load, so a change needs a reload to take effect).
std::vector<SourceFile> config_source_files(const ExporterConfig& config);

// A hash of what `files` hold, in order. A regular file within its kind's max_file_size counts by
// its content (so the same content written again is no change); anything else counts by what the
// loader would say of it (missing, unreadable, too large, a FIFO, a device, a directory: read up to
// the limit at most, a special file not at all). Equal values mean (for any practical purpose)
// that nothing the loader reads changed. Never throws and never blocks on a special file.
std::uint64_t content_fingerprint(const std::vector<SourceFile>& files);

class ConfigStore {
 public:
  // `initial` was loaded from `initial->file`, which reload() reads again.
  explicit ConfigStore(ConfigSnapshot initial);

  ConfigSnapshot current() const {
    std::lock_guard lock(mutex_);
    return current_;
  }

  void replace(ConfigSnapshot next) {
    std::lock_guard lock(mutex_);
    current_ = std::move(next);
  }

  // Loads the config file again. On success the new snapshot replaces the current one and is
  // returned; on failure the current one stays and every error is returned. Reloads run one at a
  // time; readers are never blocked by a reload's file reads. It reads and decrypts files: call it
  // (and changed_on_disk) off the event loops, as the Reloader does.
  ConfigResult<ConfigSnapshot> reload();

  // Whether the config file or a file it depends on changed since the last load or reload attempt
  // (successful or not: a bad file is tried once, not at every check).
  bool changed_on_disk() const;

 private:
  std::uint64_t fingerprint_of(const ExporterConfig& config) const;

  const std::string file_;
  mutable std::mutex mutex_;  // guards current_
  ConfigSnapshot current_;
  mutable std::mutex reload_mutex_;  // serializes reload(); guards attempted_fingerprint_
  std::uint64_t attempted_fingerprint_ = 0;
};

}  // namespace spe
