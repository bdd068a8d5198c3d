// libFuzzer target: any bytes as what an SFTP server sent on the subsystem channel. Framing must
// never accept a packet above the limit nor run past the buffer, and each parser must hold its
// bounds (entries, handle size) whatever arrives.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "parse/sftp_packet.hpp"

namespace sftp = spe::sftp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // Every packet of the input in turn, as the probe takes them from its buffer.
  for (int packets = 0; packets < 64; ++packets) {
    const auto end = sftp::frame_end(input);
    if (!end || !*end) break;
    if (**end > input.size() || **end > sftp::kMaxPacketBytes + 4 || **end < 5) std::abort();
    const std::string_view body = input.substr(4, **end - 4);
    (void)sftp::parse_version(body);
    if (const auto reply = sftp::parse_reply(body)) {
      if (reply->names.size() > sftp::kMaxNameEntries) std::abort();
      if (reply->handle.size() > sftp::kMaxHandleBytes) std::abort();
      if (reply->data.size() > body.size()) std::abort();
      if (reply->type == sftp::Type::extended_reply) (void)sftp::parse_statvfs(reply->extended);
    }
    input.remove_prefix(**end);
  }
  (void)sftp::parse_statvfs(input);
  return 0;
}
