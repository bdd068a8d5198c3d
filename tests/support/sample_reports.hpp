// Probe reports for the collector's tests: one success with every field set, and failures in a chosen phase.
#pragma once

#include "probe/report.hpp"
#include "util/result.hpp"

namespace spe::test {

// A successful probe that ran every phase, with server and host key info and a certificate expiry.
ProbeReport success_report();

// A report that failed in phase with code: every phase up to it took 10 ms, later ones were not reached; server
// and host key info are set once the handshake was passed.
ProbeReport failed_report(Phase phase, ErrorCode code);

}  // namespace spe::test
