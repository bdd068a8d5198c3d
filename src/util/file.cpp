#include "util/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace spe {

std::expected<std::string, int> read_file_bounded(const std::string& path, std::size_t limit) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(errno);
  std::string content;
  std::array<char, 4096> buffer{};
  int err = 0;
  while (content.size() <= limit) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) err = errno;
    if (n <= 0) break;
    content.append(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (err != 0) return std::unexpected(err);
  if (content.size() > limit) return std::unexpected(EFBIG);
  return content;
}

}  // namespace spe
