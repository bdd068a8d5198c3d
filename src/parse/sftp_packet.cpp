#include "parse/sftp_packet.hpp"

#include <limits>

namespace spe::sftp {
namespace {

void put_u32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xff));
}

void put_u64(std::string& out, std::uint64_t value) {
  put_u32(out, static_cast<std::uint32_t>(value >> 32));
  put_u32(out, static_cast<std::uint32_t>(value));
}

void put_string(std::string& out, std::string_view text) {
  put_u32(out, static_cast<std::uint32_t>(text.size()));
  out.append(text);
}

// A packet of `type` with request `id`; `finish` puts the length in front.
std::string start(Type type, std::uint32_t id) {
  std::string out(4, '\0');
  out.push_back(static_cast<char>(type));
  put_u32(out, id);
  return out;
}

std::string finish(std::string packet) {
  const auto length = static_cast<std::uint32_t>(packet.size() - 4);
  for (int i = 0; i < 4; ++i) packet[i] = static_cast<char>((length >> (24 - 8 * i)) & 0xff);
  return packet;
}

// Reads the fields of one packet; every read checks what is left first.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool u8(std::uint8_t& value) {
    if (data_.empty()) return false;
    value = static_cast<std::uint8_t>(data_[0]);
    data_.remove_prefix(1);
    return true;
  }
  bool u32(std::uint32_t& value) {
    if (data_.size() < 4) return false;
    value = 0;
    for (int i = 0; i < 4; ++i) value = (value << 8) | static_cast<std::uint8_t>(data_[i]);
    data_.remove_prefix(4);
    return true;
  }
  bool u64(std::uint64_t& value) {
    std::uint32_t high = 0;
    std::uint32_t low = 0;
    if (data_.size() < 8 || !u32(high) || !u32(low)) return false;
    value = (std::uint64_t{high} << 32) | low;
    return true;
  }
  // A string of at most `max` bytes.
  bool string(std::string& value, std::size_t max = kMaxPacketBytes) {
    std::uint32_t length = 0;
    if (!u32(length) || length > data_.size() || length > max) return false;
    value.assign(data_.substr(0, length));
    data_.remove_prefix(length);
    return true;
  }
  bool skip_string() {
    std::string ignored;
    return string(ignored);
  }
  bool empty() const { return data_.empty(); }
  std::size_t left() const { return data_.size(); }
  std::string_view rest() const { return data_; }

 private:
  std::string_view data_;
};

// SSH_FILEXFER_ATTR_* flags of version 3.
constexpr std::uint32_t kAttrSize = 0x01;
constexpr std::uint32_t kAttrUidGid = 0x02;
constexpr std::uint32_t kAttrPermissions = 0x04;
constexpr std::uint32_t kAttrTimes = 0x08;
constexpr std::uint32_t kAttrExtended = 0x80000000;

bool read_attrs(Reader& in, Attributes& attrs) {
  std::uint32_t flags = 0;
  if (!in.u32(flags)) return false;
  if (flags & kAttrSize) {
    std::uint64_t size = 0;
    if (!in.u64(size)) return false;
    attrs.size = size;
  }
  std::uint32_t ignored = 0;
  if ((flags & kAttrUidGid) && !(in.u32(ignored) && in.u32(ignored))) return false;
  if (flags & kAttrPermissions) {
    std::uint32_t permissions = 0;
    if (!in.u32(permissions)) return false;
    attrs.permissions = permissions;
  }
  if ((flags & kAttrTimes) && !(in.u32(ignored) && in.u32(ignored))) return false;
  if (flags & kAttrExtended) {
    std::uint32_t count = 0;
    if (!in.u32(count)) return false;
    // Each pair takes at least 8 bytes: a count beyond what is left is a lie, not a loop to run.
    if (count > in.left() / 8) return false;
    for (std::uint32_t i = 0; i < count; ++i) {
      if (!in.skip_string() || !in.skip_string()) return false;
    }
  }
  return true;
}

bool read_names(Reader& in, std::vector<NameEntry>& names) {
  std::uint32_t count = 0;
  if (!in.u32(count)) return false;
  // An entry takes at least 12 bytes (two empty strings and the attribute flags).
  if (count > kMaxNameEntries || count > in.left() / 12) return false;
  names.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    NameEntry entry;
    if (!in.string(entry.filename) || !in.string(entry.longname) || !read_attrs(in, entry.attrs)) return false;
    names.push_back(std::move(entry));
  }
  return true;
}

std::unexpected<Error> malformed(std::string_view what) {
  return fail(ErrorCode::unavailable, "malformed SFTP " + std::string(what));
}

std::string_view type_name(Type type) {
  switch (type) {
    case Type::status: return "STATUS";
    case Type::handle: return "HANDLE";
    case Type::data: return "DATA";
    case Type::name: return "NAME";
    case Type::attrs: return "ATTRS";
    case Type::extended_reply: return "EXTENDED_REPLY";
    default: return "packet";
  }
}

std::uint64_t saturating_product(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return std::numeric_limits<std::uint64_t>::max();
  return a * b;
}

}  // namespace

std::string status_name(std::uint32_t code) {
  switch (static_cast<StatusCode>(code)) {
    case StatusCode::ok: return "SSH_FX_OK";
    case StatusCode::eof: return "SSH_FX_EOF";
    case StatusCode::no_such_file: return "SSH_FX_NO_SUCH_FILE";
    case StatusCode::permission_denied: return "SSH_FX_PERMISSION_DENIED";
    case StatusCode::failure: return "SSH_FX_FAILURE";
    case StatusCode::bad_message: return "SSH_FX_BAD_MESSAGE";
    case StatusCode::no_connection: return "SSH_FX_NO_CONNECTION";
    case StatusCode::connection_lost: return "SSH_FX_CONNECTION_LOST";
    case StatusCode::op_unsupported: return "SSH_FX_OP_UNSUPPORTED";
  }
  return "SSH_FX_UNKNOWN(" + std::to_string(code) + ")";
}

std::string Status::describe() const {
  if (message.empty()) return status_name(code);
  return status_name(code) + " (" + message + ")";
}

bool Version::has_extension(std::string_view name, std::string_view data) const {
  for (const auto& [n, d] : extensions) {
    if (n == name && d == data) return true;
  }
  return false;
}

std::uint64_t Statvfs::available_bytes() const { return saturating_product(available, fragment_size); }
std::uint64_t Statvfs::size_bytes() const { return saturating_product(blocks, fragment_size); }

std::string init_request() {
  std::string out(4, '\0');
  out.push_back(static_cast<char>(Type::init));
  put_u32(out, 3);
  return finish(std::move(out));
}

std::string path_request(Type type, std::uint32_t id, std::string_view path) {
  std::string out = start(type, id);
  put_string(out, path);
  return finish(std::move(out));
}

std::string handle_request(Type type, std::uint32_t id, std::string_view handle) {
  return path_request(type, id, handle);
}

std::string open_request(std::uint32_t id, std::string_view path, std::uint32_t flags, std::uint32_t mode) {
  std::string out = start(Type::open, id);
  put_string(out, path);
  put_u32(out, flags);
  put_u32(out, kAttrPermissions);
  put_u32(out, mode);
  return finish(std::move(out));
}

std::string read_request(std::uint32_t id, std::string_view handle, std::uint64_t offset, std::uint32_t length) {
  std::string out = start(Type::read, id);
  put_string(out, handle);
  put_u64(out, offset);
  put_u32(out, length);
  return finish(std::move(out));
}

std::string write_request(std::uint32_t id, std::string_view handle, std::uint64_t offset, std::string_view data) {
  std::string out = start(Type::write, id);
  put_string(out, handle);
  put_u64(out, offset);
  put_string(out, data);
  return finish(std::move(out));
}

std::string statvfs_request(std::uint32_t id, std::string_view path) {
  std::string out = start(Type::extended, id);
  put_string(out, kStatvfsExtension);
  put_string(out, path);
  return finish(std::move(out));
}

Result<std::optional<std::size_t>> frame_end(std::string_view buffer) {
  Reader in(buffer);
  std::uint32_t length = 0;
  if (!in.u32(length)) return std::optional<std::size_t>{};
  if (length == 0) return fail(ErrorCode::unavailable, "SFTP packet of length 0");
  if (length > kMaxPacketBytes) {
    return fail(ErrorCode::unavailable, "SFTP packet of " + std::to_string(length) + " bytes (the limit is " +
                                            std::to_string(kMaxPacketBytes) + ")");
  }
  if (in.left() < length) return std::optional<std::size_t>{};
  return std::optional<std::size_t>{std::size_t{4} + length};
}

Result<Version> parse_version(std::string_view body) {
  Reader in(body);
  std::uint8_t type = 0;
  Version version;
  if (!in.u8(type) || type != static_cast<std::uint8_t>(Type::version)) {
    return fail(ErrorCode::unavailable,
                "the server answered INIT with packet type " + std::to_string(type) + ", not VERSION");
  }
  if (!in.u32(version.version)) return malformed("VERSION");
  // The client asked for 3: a server answers with the lower of its version and that, so any other
  // number is a server whose packets this parser cannot be trusted to read.
  if (version.version != 3) {
    return fail(ErrorCode::unavailable, "the server answered SFTP version " + std::to_string(version.version) +
                                            "; the exporter speaks version 3");
  }
  // Each extension takes at least 8 bytes; the packet bounds how many there can be.
  while (!in.empty()) {
    std::string name;
    std::string data;
    if (!in.string(name) || !in.string(data)) return malformed("VERSION extension");
    version.extensions.emplace_back(std::move(name), std::move(data));
  }
  return version;
}

Result<Reply> parse_reply(std::string_view body) {
  Reader in(body);
  std::uint8_t type = 0;
  Reply reply;
  if (!in.u8(type) || !in.u32(reply.id)) return malformed("reply: shorter than its header");
  reply.type = static_cast<Type>(type);
  bool ok = false;
  switch (reply.type) {
    case Type::status:
      // Servers of the oldest drafts send no message and no language tag; what follows them is ignored.
      ok = in.u32(reply.status.code);
      if (ok && !in.empty()) ok = in.string(reply.status.message, 1024);
      return ok ? Result<Reply>(std::move(reply)) : malformed("STATUS");
    case Type::handle: ok = in.string(reply.handle, kMaxHandleBytes); break;
    case Type::data: ok = in.string(reply.data); break;
    case Type::name: ok = read_names(in, reply.names); break;
    case Type::attrs: ok = read_attrs(in, reply.attrs); break;
    case Type::extended_reply: reply.extended.assign(in.rest()); return reply;
    default: return fail(ErrorCode::unavailable, "unexpected SFTP packet type " + std::to_string(type));
  }
  if (!ok || !in.empty()) return malformed(type_name(reply.type));
  return reply;
}

Result<Statvfs> parse_statvfs(std::string_view data) {
  Reader in(data);
  Statvfs s;
  for (std::uint64_t* field : {&s.block_size, &s.fragment_size, &s.blocks, &s.free, &s.available, &s.files,
                               &s.files_free, &s.files_available, &s.fsid, &s.flags, &s.name_max}) {
    if (!in.u64(*field)) return malformed("statvfs reply");
  }
  if (!in.empty()) return malformed("statvfs reply");
  return s;
}

}  // namespace spe::sftp
