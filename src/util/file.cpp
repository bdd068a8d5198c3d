#include "util/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "util/errno_code.hpp"

namespace spe {
namespace {

std::string_view type_name(mode_t type) {
  switch (type) {
    case S_IFDIR: return "a directory";
    case S_IFIFO: return "a FIFO";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    case S_IFSOCK: return "a socket";
    default: return "of an unknown type";
  }
}

// Closes the descriptor on every return path.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::unexpected<FileError> system_error(int err) { return std::unexpected(FileError{FileError::Kind::system, err}); }

std::unexpected<FileError> too_large(std::size_t limit) {
  return std::unexpected(FileError{FileError::Kind::too_large, 0, limit});
}

std::unexpected<FileError> not_regular(mode_t mode) {
  return std::unexpected(FileError{FileError::Kind::not_regular, 0, 0, static_cast<mode_t>(mode & S_IFMT)});
}

}  // namespace

std::string FileError::describe() const {
  switch (kind) {
    case Kind::system: return std::strerror(err);
    case Kind::too_large: return "larger than the limit of " + std::to_string(limit) + " bytes";
    case Kind::not_regular: return "not a regular file (" + std::string(type_name(type)) + ")";
  }
  return "unreadable";
}

ErrorCode FileError::code() const { return kind == Kind::system ? code_for_errno(err) : ErrorCode::invalid_argument; }

std::expected<FileContent, FileError> read_file_bounded(const std::string& path, std::size_t limit) {
  // Refused before opening when possible: opening some devices does something (a watchdog starts).
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) return not_regular(st.st_mode);
  // O_NONBLOCK: should the path have become a FIFO since, opening it for reading would otherwise
  // wait for a writer. It changes nothing for the regular file read below.
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (fd.get() < 0) return system_error(errno);
  if (::fstat(fd.get(), &st) != 0) return system_error(errno);
  if (!S_ISREG(st.st_mode)) return not_regular(st.st_mode);
  if (st.st_size < 0 || static_cast<std::size_t>(st.st_size) > limit) return too_large(limit);
  FileContent content;
  content.permissions = st.st_mode & 07777;
  content.text.reserve(static_cast<std::size_t>(st.st_size));
  std::array<char, 16384> buffer{};
  while (content.text.size() <= limit) {
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return system_error(errno);
    if (n == 0) break;
    content.text.append(buffer.data(), static_cast<std::size_t>(n));
  }
  if (content.text.size() > limit) return too_large(limit);
  return content;
}

}  // namespace spe
