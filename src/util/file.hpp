// Reading small files (configs, keys, secrets) whole, with a size limit.
#pragma once

#include <cstddef>
#include <expected>
#include <string>

namespace spe {

// The content of `path`, or an errno value: EFBIG when it is larger than `limit` bytes (reading
// stops there), EISDIR for a directory, else what open/read said.
std::expected<std::string, int> read_file_bounded(const std::string& path, std::size_t limit);

}  // namespace spe
