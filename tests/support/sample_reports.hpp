// Probe reports for the collector's tests: one success with every field set, and failures in a chosen phase;
// the same through two jump hosts.
#pragma once

#include <cstddef>

#include "probe/report.hpp"
#include "util/result.hpp"

namespace spe::test {

// A successful probe that ran every phase, with server and host key info and a certificate expiry.
ProbeReport success_report();

// A report that failed in phase with code: every phase up to it took 10 ms, later ones were not reached; server
// and host key info are set once the handshake was passed.
ProbeReport failed_report(Phase phase, ErrorCode code);

// A successful probe of the target through two jump hosts, "bastion" then "inner", as success_report() is
// directly: every phase of each hop with its own duration and host key; the target's resolve phase unset and
// its connect phase the sum of the hops' phases.
ProbeReport jump_success_report();

// A probe through "bastion" then "inner" that failed at hop `hop` (0 or 1) in `phase` with `code`: the hops
// before it succeeded, its phases up to `phase` took 10 ms each (its host key seen from host_key on), later
// hops were not reached; failure from hop_failure_reason, failed_hop = hop, last_phase connect.
ProbeReport jump_hop_failed_report(std::size_t hop, HopPhase phase, ErrorCode code);

// A probe through "bastion" then "inner" whose hops all succeeded and whose target failed in `phase`
// (handshake or later: before, the stream to it was not open, which is a hop's failure) with `code`, as
// failed_report() does directly.
ProbeReport jump_target_failed_report(Phase phase, ErrorCode code);

}  // namespace spe::test
