#include "support/sample_reports.hpp"

#include <chrono>

namespace spe::test {

using namespace std::chrono_literals;

ProbeReport success_report() {
  ProbeReport report;
  report.module = "default";
  report.target = "host.example:22";
  report.success = true;
  report.last_phase = Phase::commands;
  report.duration = 1234567us;
  report.timeout = std::chrono::duration<double>(9.5);
  report.dns_lookup = 1ms;
  report.ip_protocol = 4;
  report.set_phase_duration(Phase::resolve, 1ms);
  report.set_phase_duration(Phase::connect, 2ms);
  report.set_phase_duration(Phase::handshake, 250ms);
  report.set_phase_duration(Phase::host_key, 500us);
  report.set_phase_duration(Phase::auth, 100ms);
  report.set_phase_duration(Phase::commands, 300ms);
  report.server = ServerInfo{"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", "OpenSSH_9.2p1", "curve25519-sha256",
                             "chacha20-poly1305@openssh.com", "umac-128-etm@openssh.com"};
  report.host_key = HostKeyInfo{"ssh-ed25519", "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s"};
  report.certificate_expiry = 1700000000;
  return report;
}

// A report that failed in `phase`: every phase up to it took 10 ms, later ones were not reached.
ProbeReport failed_report(Phase phase, ErrorCode code) {
  ProbeReport report;
  report.module = "default";
  report.target = "host.example:22";
  report.success = false;
  report.last_phase = phase;
  report.failure = failure_reason(phase, code);
  report.failure_message = "failed";
  report.duration = 50ms;
  report.timeout = std::chrono::duration<double>(5);
  for (const Phase p : kAllPhases) {
    if (p > phase) break;
    report.set_phase_duration(p, 10ms);
  }
  if (phase > Phase::resolve) {
    report.dns_lookup = 3ms;
    report.ip_protocol = 6;
  }
  if (phase > Phase::handshake) {
    report.server = ServerInfo{"SSH-2.0-x", "x", "kex", "cipher", "mac"};
    report.host_key = HostKeyInfo{"ssh-ed25519", "SHA256:abc"};
  }
  return report;
}

}  // namespace spe::test
