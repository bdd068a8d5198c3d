#include "metrics/from_report.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "metrics/exposition.hpp"

namespace spe::metrics {
namespace {

double seconds(ProbeReport::Duration elapsed) {
  return std::chrono::duration<double>(elapsed).count();
}

MetricFamily single(std::string name, std::string help, double value) {
  MetricFamily family = gauge(std::move(name), std::move(help));
  family.samples.push_back(Sample{{}, value, {}});
  return family;
}

MetricFamily phase_durations(const ProbeReport& report) {
  MetricFamily family = gauge("probe_ssh_duration_seconds",
                              "Duration of each SSH probe phase in seconds, 0 if the phase was not "
                              "reached.");
  for (const Phase phase : kAllPhases) {
    const auto elapsed = report.phase_duration(phase);
    family.samples.push_back(
        Sample{{{"phase", std::string(to_string(phase))}}, elapsed ? seconds(*elapsed) : 0.0, {}});
  }
  return family;
}

MetricFamily failure_reasons(const ProbeReport& report) {
  MetricFamily family = gauge("probe_ssh_failure",
                              "Why the probe failed: 1 for the reason that ended it, 0 for the "
                              "others; all 0 on success.");
  // A failed report must name exactly one reason; without one, it is the exporter's own fault.
  std::optional<FailureReason> failed;
  if (!report.success) failed = report.failure.value_or(FailureReason::internal);
  for (const FailureReason reason : kAllFailureReasons) {
    family.samples.push_back(
        Sample{{{"reason", std::string(to_string(reason))}}, failed == reason ? 1.0 : 0.0, {}});
  }
  return family;
}

MetricFamily server_info(const ServerInfo& server) {
  MetricFamily family =
      gauge("probe_ssh_server_info",
            "Identification and negotiated algorithms of the SSH server, always 1.");
  // All of this came from the network: make it valid UTF-8 before it becomes a label value.
  family.samples.push_back(Sample{{{"banner", sanitize_utf8(server.banner)},
                                   {"software", sanitize_utf8(server.software)},
                                   {"kex", sanitize_utf8(server.kex)},
                                   {"cipher", sanitize_utf8(server.cipher)},
                                   {"mac", sanitize_utf8(server.mac)}},
                                  1.0,
                                  {}});
  return family;
}

MetricFamily host_key_info(const HostKeyInfo& key) {
  MetricFamily family =
      gauge("probe_ssh_host_key_info",
            "Type and SHA256 fingerprint of the SSH server's host key, always 1.");
  family.samples.push_back(Sample{{{"type", sanitize_utf8(key.type)},
                                   {"fingerprint_sha256", sanitize_utf8(key.fingerprint_sha256)}},
                                  1.0,
                                  {}});
  return family;
}

double ip_protocol(int protocol) { return protocol == 4 || protocol == 6 ? protocol : 0; }

}  // namespace

std::vector<MetricFamily> families_from_report(const ProbeReport& report) {
  std::vector<MetricFamily> families;
  families.push_back(single("probe_success", "Whether the probe succeeded (1) or failed (0).",
                            report.success ? 1.0 : 0.0));
  families.push_back(single("probe_duration_seconds",
                            "How long the probe took to complete in seconds.",
                            seconds(report.duration)));
  families.push_back(single("probe_timeout_seconds",
                            "The effective timeout of the probe in seconds.",
                            report.timeout.count()));
  families.push_back(single("probe_dns_lookup_time_seconds",
                            "How long the DNS lookup of the target took in seconds, 0 for an IP "
                            "literal or when it was not reached.",
                            report.dns_lookup ? seconds(*report.dns_lookup) : 0.0));
  families.push_back(single("probe_ip_protocol",
                            "IP protocol of the address probed: 4 or 6, 0 if none was chosen.",
                            ip_protocol(report.ip_protocol)));
  families.push_back(phase_durations(report));
  families.push_back(failure_reasons(report));
  if (report.server) families.push_back(server_info(*report.server));
  if (report.host_key) families.push_back(host_key_info(*report.host_key));
  if (report.certificate_expiry) {
    families.push_back(single("probe_ssh_certificate_expiry_timestamp_seconds",
                              "When the SSH user certificate used by the probe expires, in Unix "
                              "seconds.",
                              static_cast<double>(*report.certificate_expiry)));
  }
  return families;
}

}  // namespace spe::metrics
