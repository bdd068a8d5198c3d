// Reading small files (configs, keys, secrets, known_hosts) whole, with a size limit. Only regular
// files are read: a FIFO, a device or a directory is refused before a byte is read, so a path that
// becomes a pipe or a symlink to /dev/zero can neither block the reader nor grow its memory.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <expected>
#include <string>

#include "util/result.hpp"

namespace spe {

// Why a file was not read.
struct FileError {
  enum class Kind { system, too_large, not_regular };
  Kind kind = Kind::system;
  int err = 0;            // errno, for Kind::system
  std::size_t limit = 0;  // for Kind::too_large
  mode_t type = 0;        // st_mode & S_IFMT, for Kind::not_regular

  // "No such file or directory", "larger than the limit of 65536 bytes",
  // "not a regular file (a FIFO)": what follows "cannot read \"PATH\": " in messages.
  std::string describe() const;
  // code_for_errno for a system error; invalid_argument for a file that is too large or not regular.
  ErrorCode code() const;
};

struct FileContent {
  std::string text;
  mode_t permissions = 0;  // st_mode & 07777 of the file that was read
};

// The content of `path` (symlinks followed), or why not. Opened non-blocking and checked with
// fstat before reading, so a FIFO is refused at once rather than waited on; a regular file larger
// than `limit` bytes is refused (by its size, and by reading at most limit + 1 bytes should it
// grow meanwhile). Never blocks on anything but the file system.
std::expected<FileContent, FileError> read_file_bounded(const std::string& path, std::size_t limit);

}  // namespace spe
