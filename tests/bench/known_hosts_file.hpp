// A large known_hosts file for the host key benchmark: many other hosts in every syntax OpenSSH writes or
// accepts, with the target's own line near the end, where a linear scan finds it last.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace spe::bench {

// Writes `lines` lines to path: lines - 1 other hosts (plain names, IPv4 and IPv6 addresses, [host]:port,
// hashed |1| entries, wildcard and negated patterns, each with a random Ed25519 key, so none matches the
// target) and target_line in the tenth line from the end. Deterministic for a given line count.
void write_big_known_hosts(const std::filesystem::path& path, std::size_t lines, const std::string& target_line);

}  // namespace spe::bench
