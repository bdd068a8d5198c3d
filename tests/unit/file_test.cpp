// read_file_bounded: only regular files, never more than the limit, and a FIFO refused at once.
#include "util/file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/fifo_wait.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

std::string error_of(const std::string& path, std::size_t limit = 1024) {
  const auto content = spe::read_file_bounded(path, limit);
  REQUIRE_FALSE(content.has_value());
  return content.error().describe();
}

}  // namespace

TEST_CASE("file: a regular file is read whole with its permissions, up to the limit", "[unit][file]") {
  const spe::test::TempDir scratch{"spe-file"};
  const fs::path& dir = scratch.path();
  const fs::path file = dir / "secret";
  std::ofstream(file) << "0123456789";
  fs::permissions(file, fs::perms::owner_read | fs::perms::group_read, fs::perm_options::replace);
  const auto content = spe::read_file_bounded(file.string(), 10);
  REQUIRE(content.has_value());
  CHECK(content->text == "0123456789");
  CHECK(content->permissions == 0440);
  CHECK(error_of(file.string(), 9) == "larger than the limit of 9 bytes");
  CHECK(spe::read_file_bounded(file.string(), 9).error().code() == spe::ErrorCode::invalid_argument);
  // A symlink to a regular file is that file.
  fs::create_symlink(file, dir / "link");
  CHECK(spe::read_file_bounded((dir / "link").string(), 10)->text == "0123456789");
  // /proc files say size 0 and are read to their end.
  CHECK(spe::read_file_bounded("/proc/self/stat", 1 << 20)->text.find(std::to_string(::getpid())) == 0);
}

TEST_CASE("file: anything but a regular file is refused, naming what it is", "[unit][file]") {
  const spe::test::TempDir scratch{"spe-file"};
  const fs::path& dir = scratch.path();
  CHECK(error_of("/dev/zero") == "not a regular file (a character device)");
  fs::create_symlink("/dev/zero", dir / "zero");
  CHECK(error_of((dir / "zero").string()) == "not a regular file (a character device)");
  CHECK(error_of(dir.string()) == "not a regular file (a directory)");
  CHECK(error_of((dir / "missing").string()) == "No such file or directory");
  CHECK(spe::read_file_bounded((dir / "missing").string(), 1).error().code() == spe::ErrorCode::not_found);
  const fs::path fifo = dir / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::string fifo_error;
  CHECK(spe::test::finishes_within(
      std::chrono::seconds(5), [&] { fifo_error = error_of(fifo.string()); }, fifo));
  CHECK(fifo_error == "not a regular file (a FIFO)");
}
