// The [modules.NAME.sftp] table -> SftpCheck. Part of config/load.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "config/model.hpp"
#include "config/toml_reader.hpp"

namespace spe {

// The bounds of write_test_bytes: the test file is written and read back within the probe deadline.
inline constexpr std::int64_t kMaxWriteTestBytes = 16 << 20;
// The longest `path` accepted (OpenSSH's PATH_MAX).
inline constexpr std::size_t kMaxSftpPathBytes = 4096;

// Reads the `sftp` table of `module_table`, a module's table: nullopt when it has none (or after
// reporting an error in it).
std::optional<SftpCheck> load_sftp(TomlReader& module_table);

}  // namespace spe
