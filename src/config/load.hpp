// Config loading: TOML text -> validated ExporterConfig. Defaults first, then the file on top;
// unknown keys, wrong types and bad values are errors naming the key path and file:line:column.
#pragma once

#include <string>
#include <string_view>

#include "config/model.hpp"
#include "config/toml_reader.hpp"  // ConfigErrors, ConfigResult
#include "util/result.hpp"

namespace spe {

// Parses `text` as if read from `file` (used for positions and to resolve relative paths: key,
// known_hosts and *_file paths are relative to the directory of `file`). Loads and decrypts keys.
ConfigResult<ExporterConfig> load_config_text(std::string_view text, const std::string& file);

// Reads `file` and calls load_config_text. An unreadable file is one error naming the file.
ConfigResult<ExporterConfig> load_config_file(const std::string& file);

}  // namespace spe
