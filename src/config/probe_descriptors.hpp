// How many file descriptors a probe holds in the exporter while it runs, by the jump hosts it goes
// through: what the exporter's descriptor arithmetic (the startup log line, operations.md) uses.
// Pure.
#pragma once

#include <cstddef>

#include "config/model.hpp"

namespace spe {

// A direct probe holds 2: its socket and the duplicate libssh works on. Through `hops` jump hosts,
// the first hop's connection holds those 2, and each later leg (the next hop's, then the target's)
// a socketpair and libssh's duplicate of one end, 3: 2 + 3 * hops. The HTTP connection the probe
// answers on is not counted.
constexpr std::size_t probe_descriptors(std::size_t hops) { return 2 + 3 * hops; }

// The longest Module::jump_chain of `config`: 0 when every module probes directly.
std::size_t longest_jump_chain(const ExporterConfig& config);

// The most descriptors one probe of `config` holds: that of its module with the longest chain.
std::size_t max_probe_descriptors(const ExporterConfig& config);

}  // namespace spe
