// libFuzzer target: any bytes as a known_hosts file. Parsing never fails (bad lines are skipped); every lookup
// must answer, and its answer must agree with the lines the file holds for that name.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/known_hosts.hpp"

namespace {

// An ssh-ed25519 public key blob (SSH wire encoding): the key a lookup asks about.
const std::string kKeyBlob = std::string("\0\0\0\x0bssh-ed25519\0\0\0\x20", 19) + std::string(32, '\x42');

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const spe::KnownHosts known_hosts("fuzz_known_hosts", text);
  (void)known_hosts.skipped_summary();
  for (const std::string_view name : {"127.0.0.1", "[127.0.0.1]:2222", "db1.example.com", "[::1]:22"}) {
    const auto match = known_hosts.check(name, kKeyBlob);
    // A verdict other than unknown comes from a line that names the host.
    if (match.state != spe::KnownHostsState::unknown && known_hosts.lines_for(name).empty()) std::abort();
    // Asking again gives the same answer (the second time from the memo).
    if (known_hosts.check(name, kKeyBlob).state != match.state) std::abort();
    (void)known_hosts.key_types(name);
  }
  return 0;
}
