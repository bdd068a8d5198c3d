// The kinds of file a config names and how large each may be: the loader refuses a bigger one
// (as a config error), and the change detector (config/store) reads no more of it than this.
#pragma once

#include <cstddef>

namespace spe {

enum class SourceKind {
  config,  // the main config file and included module files
  secret,  // password_file, passphrase_file
  key,     // private_key, certificate
  known_hosts,
};

constexpr std::size_t max_file_size(SourceKind kind) {
  switch (kind) {
    case SourceKind::config: return 16 << 20;
    case SourceKind::secret: return 64 << 10;
    case SourceKind::key: return 1 << 20;  // keys and certificates are a few KB
    case SourceKind::known_hosts: return 64 << 20;
  }
  return 0;
}

}  // namespace spe
