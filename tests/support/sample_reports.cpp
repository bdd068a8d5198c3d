#include "support/sample_reports.hpp"

#include <array>
#include <chrono>
#include <string>

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

namespace {

const std::array<std::string, 2> kHopNames = {"bastion", "inner"};

// A hop that got through every phase, each taking its own time.
HopReport passed_hop(std::size_t index) {
  HopReport hop;
  hop.name = kHopNames[index];
  hop.success = true;
  const auto scale = static_cast<int>(index) + 1;  // inner's phases last twice as long as bastion's
  hop.set_phase_duration(HopPhase::connect, scale * 1ms);
  hop.set_phase_duration(HopPhase::handshake, scale * 20ms);
  hop.set_phase_duration(HopPhase::host_key, scale * 250us);
  hop.set_phase_duration(HopPhase::auth, scale * 30ms);
  hop.set_phase_duration(HopPhase::forward, scale * 4ms);
  hop.host_key = HostKeyInfo{"ssh-ed25519", "SHA256:hop" + std::to_string(index) + "Key"};
  return hop;
}

// The target's connect phase through hops: until the stream to it is open, every hop phase included.
ProbeReport::Duration hop_time(const std::vector<HopReport>& hops) {
  ProbeReport::Duration total{0};
  for (const HopReport& hop : hops) {
    for (const HopPhase phase : kAllHopPhases) total += hop.phase_duration(phase).value_or(ProbeReport::Duration{0});
  }
  return total;
}

}  // namespace

ProbeReport jump_success_report() {
  ProbeReport report = success_report();
  report.hops = {passed_hop(0), passed_hop(1)};
  report.phase_durations[static_cast<std::size_t>(Phase::resolve)].reset();
  report.dns_lookup.reset();
  report.set_phase_duration(Phase::connect, hop_time(report.hops));
  return report;
}

ProbeReport jump_hop_failed_report(std::size_t hop, HopPhase phase, ErrorCode code) {
  ProbeReport report;
  report.module = "behind_bastion";
  report.target = "host.example:22";
  report.success = false;
  report.last_phase = Phase::connect;
  report.failure = hop_failure_reason(phase, code);
  report.failure_message = "failed at hop";
  report.duration = 80ms;
  report.timeout = std::chrono::duration<double>(5);
  for (std::size_t i = 0; i < kHopNames.size(); ++i) {
    if (i < hop) {
      report.hops.push_back(passed_hop(i));
      continue;
    }
    HopReport failed;
    failed.name = kHopNames[i];
    if (i == hop) {
      for (const HopPhase p : kAllHopPhases) {
        if (p > phase) break;
        failed.set_phase_duration(p, 10ms);
      }
      if (phase >= HopPhase::host_key) failed.host_key = HostKeyInfo{"ssh-rsa", "SHA256:changedKey"};
    }
    report.hops.push_back(std::move(failed));
  }
  report.failed_hop = hop;
  report.set_phase_duration(Phase::connect, hop_time(report.hops));
  return report;
}

ProbeReport jump_target_failed_report(Phase phase, ErrorCode code) {
  ProbeReport report = failed_report(phase, code);
  report.module = "behind_bastion";
  report.hops = {passed_hop(0), passed_hop(1)};
  report.phase_durations[static_cast<std::size_t>(Phase::resolve)].reset();
  report.dns_lookup.reset();
  report.set_phase_duration(Phase::connect, hop_time(report.hops));
  return report;
}

}  // namespace spe::test
