#include "metrics/from_report.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "metric_model/exposition.hpp"

namespace spe::metrics {
namespace {

double seconds(ProbeReport::Duration elapsed) { return std::chrono::duration<double>(elapsed).count(); }

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
    family.samples.push_back(Sample{{{"reason", std::string(to_string(reason))}}, failed == reason ? 1.0 : 0.0, {}});
  }
  return family;
}

MetricFamily server_info(const ServerInfo& server) {
  MetricFamily family = gauge("probe_ssh_server_info",
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
  MetricFamily family = gauge("probe_ssh_host_key_info",
                              "Type and SHA256 fingerprint of the SSH server's host key, always 1.");
  family.samples.push_back(Sample{
      {{"type", sanitize_utf8(key.type)}, {"fingerprint_sha256", sanitize_utf8(key.fingerprint_sha256)}}, 1.0, {}});
  return family;
}

// Through jump hosts: one series per hop of the chain, in its order, on every path.
MetricFamily hop_success(const std::vector<HopReport>& hops) {
  MetricFamily family = gauge("probe_ssh_hop_success",
                              "Whether the jump host was reached, its host key accepted, the login "
                              "succeeded and the channel onward opened (1) or not (0).");
  for (const HopReport& hop : hops) family.samples.push_back(Sample{{{"hop", hop.name}}, hop.success ? 1.0 : 0.0, {}});
  return family;
}

MetricFamily hop_durations(const std::vector<HopReport>& hops) {
  MetricFamily family = gauge("probe_ssh_hop_duration_seconds",
                              "Duration of each phase at the jump host in seconds, 0 if the phase was not "
                              "reached; forward opens the channel to the next hop or the target.");
  for (const HopReport& hop : hops) {
    for (const HopPhase phase : kAllHopPhases) {
      const auto elapsed = hop.phase_duration(phase);
      family.samples.push_back(Sample{
          {{"hop", hop.name}, {"phase", std::string(to_string(phase))}}, elapsed ? seconds(*elapsed) : 0.0, {}});
    }
  }
  return family;
}

// Only the hops whose key was seen; none seen, no family.
std::optional<MetricFamily> hop_host_keys(const std::vector<HopReport>& hops) {
  MetricFamily family = gauge("probe_ssh_hop_host_key_info",
                              "Type and SHA256 fingerprint of the jump host's host key, always 1.");
  for (const HopReport& hop : hops) {
    if (!hop.host_key) continue;
    family.samples.push_back(Sample{{{"hop", hop.name},
                                     {"type", sanitize_utf8(hop.host_key->type)},
                                     {"fingerprint_sha256", sanitize_utf8(hop.host_key->fingerprint_sha256)}},
                                    1.0,
                                    {}});
  }
  if (family.samples.empty()) return std::nullopt;
  return family;
}

double ip_protocol(int protocol) { return protocol == 4 || protocol == 6 ? protocol : 0; }

// One family with one sample per command, labelled command="<name>".
MetricFamily per_command(std::string name, std::string help, const std::vector<CommandReport>& commands,
                         double (*value)(const CommandReport&)) {
  MetricFamily family = gauge(std::move(name), std::move(help));
  for (const CommandReport& command : commands) {
    family.samples.push_back(Sample{{{"command", command.name}}, value(command), {}});
  }
  return family;
}

void append_command_families(std::vector<MetricFamily>& families, const std::vector<CommandReport>& commands) {
  families.push_back(per_command("probe_ssh_command_success",
                                 "Whether the command exited as expected and its output met the expectations.",
                                 commands, [](const CommandReport& c) { return c.success ? 1.0 : 0.0; }));
  families.push_back(
      per_command("probe_ssh_command_exit_status",
                  "Exit status of the command, -1 when none arrived (not run, killed, timed out, "
                  "or cut off at max_output_bytes).",
                  commands, [](const CommandReport& c) { return c.exit_status ? double(*c.exit_status) : -1.0; }));
  families.push_back(per_command("probe_ssh_command_duration_seconds",
                                 "How long the command ran, from opening its channel to its end, in seconds.",
                                 commands, [](const CommandReport& c) { return seconds(c.duration); }));
  families.push_back(per_command("probe_ssh_command_output_truncated",
                                 "Whether the command's output passed max_output_bytes and was cut.", commands,
                                 [](const CommandReport& c) { return c.output_truncated ? 1.0 : 0.0; }));
  MetricFamily signals = gauge("probe_ssh_command_exit_signal",
                               "The signal that killed the command (always 1; only for killed commands).");
  for (const CommandReport& command : commands) {
    if (command.exit_signal.empty()) continue;
    signals.samples.push_back(
        Sample{{{"command", command.name}, {"signal", sanitize_utf8(command.exit_signal)}}, 1.0, {}});
  }
  if (!signals.samples.empty()) families.push_back(std::move(signals));
}

void append_sftp_families(std::vector<MetricFamily>& families, const SftpReport& sftp) {
  families.push_back(single("probe_sftp_success",
                            "Whether the SFTP check succeeded (1) or failed or was not reached (0).",
                            sftp.success ? 1.0 : 0.0));
  MetricFamily durations = gauge("probe_sftp_duration_seconds",
                                 "Duration of each step of the SFTP check in seconds, 0 if it was not run.");
  for (const SftpOp op : kAllSftpOps) {
    const auto elapsed = sftp.op_duration(op);
    durations.samples.push_back(Sample{{{"op", std::string(to_string(op))}}, elapsed ? seconds(*elapsed) : 0.0, {}});
  }
  families.push_back(std::move(durations));
  if (sftp.directory_entries) {
    families.push_back(single("probe_sftp_directory_entries",
                              "Entries of the checked directory, . and .. not counted.",
                              static_cast<double>(*sftp.directory_entries)));
  }
  if (sftp.filesystem_avail_bytes) {
    families.push_back(single("probe_sftp_filesystem_avail_bytes",
                              "Bytes free to the login user on the checked directory's filesystem "
                              "(statvfs@openssh.com).",
                              static_cast<double>(*sftp.filesystem_avail_bytes)));
  }
  if (sftp.filesystem_size_bytes) {
    families.push_back(single("probe_sftp_filesystem_size_bytes",
                              "Size in bytes of the checked directory's filesystem (statvfs@openssh.com).",
                              static_cast<double>(*sftp.filesystem_size_bytes)));
  }
}

std::string series_key(const std::string& family, const Sample& sample) {
  Labels labels = sample.labels;
  std::ranges::sort(labels, [](const Label& a, const Label& b) { return a.name < b.name; });
  std::string key = family + sample.suffix + "{";
  for (const Label& label : labels) key += label.name + "=" + label.value + "\x1f";
  return key + "}";
}

// The module's own gauges, merged by name across commands. The prober admits no clash between
// commands (DerivedMetrics in probe/command_check.hpp fails the later command); the checks here
// only keep a report built any other way valid exposition: a family that would clash with a
// standard one, or a series another command already produced, is left out.
void append_derived(std::vector<MetricFamily>& families, const std::vector<CommandReport>& commands) {
  std::set<std::string> standard;
  for (const MetricFamily& family : families) standard.insert(family.name);
  std::map<std::string, std::size_t> index;
  std::set<std::string> series;
  for (const CommandReport& command : commands) {
    for (const MetricFamily& derived : command.derived) {
      if (standard.contains(derived.name)) continue;
      auto [it, fresh] = index.try_emplace(derived.name, families.size());
      if (fresh) families.push_back(MetricFamily{derived.name, derived.help, derived.type, {}});
      MetricFamily& target = families[it->second];
      if (target.type != derived.type) continue;
      for (const Sample& sample : derived.samples) {
        if (series.insert(series_key(derived.name, sample)).second) target.samples.push_back(sample);
      }
    }
  }
}

}  // namespace

std::vector<MetricFamily> families_from_report(const ProbeReport& report) {
  std::vector<MetricFamily> families;
  families.push_back(
      single("probe_success", "Whether the probe succeeded (1) or failed (0).", report.success ? 1.0 : 0.0));
  families.push_back(
      single("probe_duration_seconds", "How long the probe took to complete in seconds.", seconds(report.duration)));
  families.push_back(
      single("probe_timeout_seconds", "The effective timeout of the probe in seconds.", report.timeout.count()));
  families.push_back(single("probe_dns_lookup_time_seconds",
                            "How long the DNS lookup of the target took in seconds, 0 for an IP "
                            "literal or when it was not reached.",
                            report.dns_lookup ? seconds(*report.dns_lookup) : 0.0));
  families.push_back(single("probe_ip_protocol", "IP protocol of the address probed: 4 or 6, 0 if none was chosen.",
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
  if (!report.hops.empty()) {
    families.push_back(hop_success(report.hops));
    families.push_back(hop_durations(report.hops));
    if (auto keys = hop_host_keys(report.hops)) families.push_back(std::move(*keys));
  }
  if (report.sftp) append_sftp_families(families, *report.sftp);
  if (!report.commands.empty()) {
    append_command_families(families, report.commands);
    append_derived(families, report.commands);
  }
  return families;
}

}  // namespace spe::metrics
