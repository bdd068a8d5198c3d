#include <catch2/catch.hpp>
#include <string>

#include "parse/sftp_packet.hpp"

namespace sftp = spe::sftp;

namespace {

std::string u32(std::uint32_t v) {
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
  return out;
}
std::string u64(std::uint64_t v) {
  return u32(static_cast<std::uint32_t>(v >> 32)) + u32(static_cast<std::uint32_t>(v));
}
std::string str(const std::string& s) { return u32(static_cast<std::uint32_t>(s.size())) + s; }
std::string body(sftp::Type type, std::uint32_t id, const std::string& rest) {
  return std::string(1, static_cast<char>(type)) + u32(id) + rest;
}

}  // namespace

TEST_CASE("SFTP requests are laid out as version 3 says", "[unit][sftp]") {
  CHECK(sftp::init_request() == u32(5) + "\x01" + u32(3));
  CHECK(sftp::path_request(sftp::Type::realpath, 7, "up") == u32(11) + "\x10" + u32(7) + str("up"));
  CHECK(sftp::open_request(1, "f", sftp::kOpenWrite | sftp::kOpenCreate | sftp::kOpenExclusive, 0600) ==
        u32(22) + "\x03" + u32(1) + str("f") + u32(0x2a) + u32(4) + u32(0600));
  CHECK(sftp::write_request(2, "h", 5, "abc") == u32(25) + "\x06" + u32(2) + str("h") + u64(5) + str("abc"));
  CHECK(sftp::read_request(3, "h", 9, 100) == u32(22) + "\x05" + u32(3) + str("h") + u64(9) + u32(100));
  CHECK(sftp::statvfs_request(4, "/d") ==
        u32(34) + std::string(1, '\xc8') + u32(4) + str("statvfs@openssh.com") + str("/d"));
}

TEST_CASE("frame_end waits for a whole packet and refuses oversize or empty ones", "[unit][sftp]") {
  CHECK(sftp::frame_end("").value() == std::nullopt);
  CHECK(sftp::frame_end(std::string("\0\0\0", 3)).value() == std::nullopt);
  CHECK(sftp::frame_end(u32(3) + "ab").value() == std::nullopt);
  CHECK(sftp::frame_end(u32(3) + "abcdef").value() == std::optional<std::size_t>(7));
  const auto empty = sftp::frame_end(u32(0));
  REQUIRE_FALSE(empty);
  const auto huge = sftp::frame_end(u32(0xffffffff));
  REQUIRE_FALSE(huge);
  CHECK(huge.error().message == "SFTP packet of 4294967295 bytes (the limit is 262144)");
  CHECK(sftp::frame_end(u32(sftp::kMaxPacketBytes) + "x").value() == std::nullopt);
  CHECK_FALSE(sftp::frame_end(u32(sftp::kMaxPacketBytes + 1)));
}

TEST_CASE("VERSION and its extensions are parsed", "[unit][sftp]") {
  const auto version = sftp::parse_version("\x02" + u32(3) + str("statvfs@openssh.com") + str("2") + str("x") +
                                           str(""));
  REQUIRE(version);
  CHECK(version->version == 3);
  CHECK(version->has_extension("statvfs@openssh.com", "2"));
  CHECK_FALSE(version->has_extension("statvfs@openssh.com", "1"));
  CHECK_FALSE(sftp::parse_version("\x02" + u32(3) + u32(100) + "abc"));
  const auto wrong = sftp::parse_version(body(sftp::Type::status, 0, u32(0)));
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message == "the server answered INIT with packet type 101, not VERSION");
}

TEST_CASE("a VERSION other than 3 is refused, naming both versions", "[unit][sftp]") {
  for (const std::uint32_t other : {0u, 2u, 4u, 6u}) {
    CAPTURE(other);
    const auto version = sftp::parse_version("\x02" + u32(other));
    REQUIRE_FALSE(version);
    CHECK(version.error().message ==
          "the server answered SFTP version " + std::to_string(other) + "; the exporter speaks version 3");
  }
  CHECK(sftp::parse_version("\x02" + u32(3)));
}

TEST_CASE("replies are parsed by type, every length bounded", "[unit][sftp]") {
  const auto status = sftp::parse_reply(body(sftp::Type::status, 9, u32(3) + str("Permission denied") + str("")));
  REQUIRE(status);
  CHECK(status->id == 9);
  CHECK(status->status.code == 3);
  CHECK(status->status.describe() == "SSH_FX_PERMISSION_DENIED (Permission denied)");
  const auto bare = sftp::parse_reply(body(sftp::Type::status, 1, u32(2)));
  REQUIRE(bare);
  CHECK(bare->status.describe() == "SSH_FX_NO_SUCH_FILE");
  CHECK(sftp::status_name(77) == "SSH_FX_UNKNOWN(77)");

  const auto handle = sftp::parse_reply(body(sftp::Type::handle, 2, str("h1")));
  REQUIRE(handle);
  CHECK(handle->handle == "h1");
  CHECK_FALSE(sftp::parse_reply(body(sftp::Type::handle, 2, str(std::string(257, 'h')))));

  const std::string dir_attrs = u32(0x04) + u32(040755);
  const auto names = sftp::parse_reply(
      body(sftp::Type::name, 3,
           u32(2) + str(".") + str("drwxr-xr-x .") + dir_attrs + str("a") + str("") + u32(1) + u64(42)));
  REQUIRE(names);
  REQUIRE(names->names.size() == 2);
  CHECK(names->names[0].attrs.is_directory());
  CHECK(names->names[1].filename == "a");
  CHECK(names->names[1].attrs.size == 42u);
  // A count the packet cannot hold, a string longer than what is left, bytes after the fields.
  CHECK_FALSE(sftp::parse_reply(body(sftp::Type::name, 3, u32(0xffffffff))));
  CHECK_FALSE(sftp::parse_reply(body(sftp::Type::name, 3, u32(1) + u32(1000) + "a")));
  CHECK_FALSE(sftp::parse_reply(body(sftp::Type::data, 4, str("abc") + "x")));
  CHECK_FALSE(sftp::parse_reply(body(sftp::Type::attrs, 4, u32(0x80000000) + u32(0x7fffffff))));
  CHECK_FALSE(sftp::parse_reply("\x65\x00"));
  CHECK_FALSE(sftp::parse_reply(body(sftp::Type::version, 0, "")));

  const auto attrs = sftp::parse_reply(
      body(sftp::Type::attrs, 5, u32(0x0f) + u64(7) + u32(1) + u32(2) + u32(0100644) + u32(3) + u32(4)));
  REQUIRE(attrs);
  CHECK(attrs->attrs.size == 7u);
  CHECK_FALSE(attrs->attrs.is_directory());
}

TEST_CASE("statvfs@openssh.com replies give bytes, saturating", "[unit][sftp]") {
  std::string data = u64(4096) + u64(4096) + u64(1000) + u64(500) + u64(400);
  for (int i = 0; i < 6; ++i) data += u64(0);
  const auto fs = sftp::parse_statvfs(data);
  REQUIRE(fs);
  CHECK(fs->available_bytes() == 400u * 4096u);
  CHECK(fs->size_bytes() == 1000u * 4096u);
  CHECK_FALSE(sftp::parse_statvfs(data.substr(8)));
  CHECK_FALSE(sftp::parse_statvfs(data + "x"));
  sftp::Statvfs big;
  big.fragment_size = 1ull << 40;
  big.available = 1ull << 40;
  CHECK(big.available_bytes() == std::numeric_limits<std::uint64_t>::max());
}
