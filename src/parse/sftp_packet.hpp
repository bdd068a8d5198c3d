// The SFTP version 3 packets the probe's SFTP check uses (draft-ietf-secsh-filexfer-02, and OpenSSH's
// statvfs@openssh.com extension, PROTOCOL in OpenSSH's source): requests built as bytes, replies
// parsed from bytes. Pure: no I/O. Replies come from an untrusted server, so every length is checked
// against what is left of the packet, a packet is at most kMaxPacketBytes, and a NAME reply holds
// at most kMaxNameEntries entries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.hpp"

namespace spe::sftp {

// The largest packet accepted, length field excluded (OpenSSH's sftp-server allows 256 KiB too).
inline constexpr std::size_t kMaxPacketBytes = 256 * 1024;
// The most entries one NAME reply may carry (OpenSSH sends at most 100 per READDIR).
inline constexpr std::size_t kMaxNameEntries = 10000;
// The largest handle accepted (the protocol allows 256 bytes).
inline constexpr std::size_t kMaxHandleBytes = 256;

enum class Type : std::uint8_t {
  init = 1,
  version = 2,
  open = 3,
  close = 4,
  read = 5,
  write = 6,
  lstat = 7,
  opendir = 11,
  readdir = 12,
  remove = 13,
  realpath = 16,
  stat = 17,
  status = 101,
  handle = 102,
  data = 103,
  name = 104,
  attrs = 105,
  extended = 200,
  extended_reply = 201,
};

// SSH_FXP_STATUS codes of version 3.
enum class StatusCode : std::uint32_t {
  ok = 0,
  eof = 1,
  no_such_file = 2,
  permission_denied = 3,
  failure = 4,
  bad_message = 5,
  no_connection = 6,
  connection_lost = 7,
  op_unsupported = 8,
};

// "SSH_FX_PERMISSION_DENIED", or "SSH_FX_UNKNOWN(42)" for a code version 3 does not define.
std::string status_name(std::uint32_t code);

// SSH_FXF_* flags of OPEN.
inline constexpr std::uint32_t kOpenRead = 0x01;
inline constexpr std::uint32_t kOpenWrite = 0x02;
inline constexpr std::uint32_t kOpenCreate = 0x08;
inline constexpr std::uint32_t kOpenExclusive = 0x20;

inline constexpr std::string_view kStatvfsExtension = "statvfs@openssh.com";

// Requests, each a whole packet (length field included).
std::string init_request();  // version 3
std::string path_request(Type type, std::uint32_t id,
                         std::string_view path);  // realpath, stat, lstat, opendir, remove
std::string handle_request(Type type, std::uint32_t id, std::string_view handle);  // readdir, close
// OPEN of `path` with `flags`, creating it with permissions `mode` (if it is created).
std::string open_request(std::uint32_t id, std::string_view path, std::uint32_t flags, std::uint32_t mode);
std::string read_request(std::uint32_t id, std::string_view handle, std::uint64_t offset, std::uint32_t length);
std::string write_request(std::uint32_t id, std::string_view handle, std::uint64_t offset, std::string_view data);
std::string statvfs_request(std::uint32_t id, std::string_view path);

// Where the first packet of `buffer` ends: nullopt while it is incomplete; an error when its length
// is 0 or above kMaxPacketBytes. The packet's body (type onwards) is buffer.substr(4, *result - 4).
Result<std::optional<std::size_t>> frame_end(std::string_view buffer);

struct Version {
  std::uint32_t version = 0;
  std::vector<std::pair<std::string, std::string>> extensions;  // name, data
  bool has_extension(std::string_view name, std::string_view data) const;
};

struct Attributes {
  std::optional<std::uint64_t> size;
  std::optional<std::uint32_t> permissions;  // with the file type bits (S_IFDIR ...)
  bool is_directory() const { return permissions && (*permissions & 0170000) == 0040000; }
};

struct NameEntry {
  std::string filename;
  std::string longname;
  Attributes attrs;
};

struct Status {
  std::uint32_t code = 0;
  std::string message;  // as the server sent it: not sanitized
  // "SSH_FX_NO_SUCH_FILE (No such file)": the name, and the server's message if it sent one.
  std::string describe() const;
};

// filesystem statistics of statvfs@openssh.com (the fields of statvfs(3)).
struct Statvfs {
  std::uint64_t block_size = 0;
  std::uint64_t fragment_size = 0;
  std::uint64_t blocks = 0;  // in fragments
  std::uint64_t free = 0;
  std::uint64_t available = 0;  // free to unprivileged users
  std::uint64_t files = 0;
  std::uint64_t files_free = 0;
  std::uint64_t files_available = 0;
  std::uint64_t fsid = 0;
  std::uint64_t flags = 0;
  std::uint64_t name_max = 0;
  // Bytes, saturating at 2^64 - 1.
  std::uint64_t available_bytes() const;
  std::uint64_t size_bytes() const;
};

// One reply: its type and request id, and what that type carries (the other members stay empty).
struct Reply {
  Type type = Type::status;
  std::uint32_t id = 0;
  Status status;                 // status
  std::string handle;            // handle
  std::string data;              // data
  std::vector<NameEntry> names;  // name
  Attributes attrs;              // attrs
  std::string extended;          // extended_reply: the rest of the packet, parsed by its request's parser
};

// The body of a VERSION packet (type byte first). A version other than 3 is an error.
Result<Version> parse_version(std::string_view body);
// The body of a reply packet (type byte first). An unknown type, a VERSION, or anything not exactly
// as long as its fields say, is an error.
Result<Reply> parse_reply(std::string_view body);
// The data of statvfs@openssh.com's EXTENDED_REPLY.
Result<Statvfs> parse_statvfs(std::string_view data);

}  // namespace spe::sftp
