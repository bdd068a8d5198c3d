#include "config/load_sftp.hpp"

#include <array>
#include <limits>
#include <string_view>

namespace spe {
namespace {

constexpr std::array<std::string_view, 5> kSftpKeys{"path", "list", "write_test", "write_test_bytes",
                                                    "min_free_bytes"};

}  // namespace

std::optional<SftpCheck> load_sftp(TomlReader& module_table) {
  if (!module_table.has("sftp")) return std::nullopt;
  auto table = module_table.subtable("sftp");
  if (!table) return std::nullopt;
  const std::size_t errors_before = table->errors();
  SftpCheck check;
  check.where = table->position();
  table->check_keys(kSftpKeys);
  if (auto path = table->string("path")) {
    if (path->find('\0') != std::string::npos) {
      table->error("path", "must not contain NUL");
    } else if (path->size() > kMaxSftpPathBytes) {
      table->error("path", "must be at most " + std::to_string(kMaxSftpPathBytes) + " bytes");
    } else {
      check.path = std::move(*path);
    }
  }
  if (const auto list = table->boolean("list")) check.list = *list;
  if (const auto write = table->boolean("write_test")) check.write_test = *write;
  if (const auto bytes = table->integer("write_test_bytes", 1, kMaxWriteTestBytes)) {
    check.write_test_bytes = static_cast<std::size_t>(*bytes);
  }
  table->requires_key("write_test_bytes", "write_test");
  if (const auto free = table->integer("min_free_bytes", 0, std::numeric_limits<std::int64_t>::max())) {
    check.min_free_bytes = static_cast<std::uint64_t>(*free);
  }
  if (table->errors() != errors_before) return std::nullopt;
  return check;
}

}  // namespace spe
