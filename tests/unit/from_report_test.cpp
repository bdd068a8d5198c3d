#include "metrics/from_report.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metric_model/exposition.hpp"
#include "metric_model/registry.hpp"
#include "probe/report.hpp"
#include "support/metric_families.hpp"
#include "support/openmetrics_check.hpp"
#include "support/sample_reports.hpp"

using namespace spe;
using namespace spe::metrics;
using namespace std::chrono_literals;
using spe::test::failed_report;
using spe::test::find_family;
using spe::test::jump_hop_failed_report;
using spe::test::jump_success_report;
using spe::test::jump_target_failed_report;
using spe::test::openmetrics_problems;
using spe::test::success_report;

namespace {

// The value of the one sample of `name` whose label `label` is `value` (or the only sample when
// `label` is empty); nullopt when there is no such sample.
std::optional<double> value_of(const std::vector<MetricFamily>& families, std::string_view name,
                               std::string_view label = {}, std::string_view value = {}) {
  const MetricFamily* family = find_family(families, name);
  if (family == nullptr) return std::nullopt;
  for (const Sample& sample : family->samples) {
    if (label.empty() && sample.labels.empty()) return sample.value;
    for (const Label& l : sample.labels) {
      if (l.name == label && l.value == value) return sample.value;
    }
  }
  return std::nullopt;
}

std::vector<std::string> names_of(const std::vector<MetricFamily>& families) {
  std::vector<std::string> names;
  for (const MetricFamily& family : families) names.push_back(family.name);
  return names;
}

const std::vector<std::string> kAlwaysFamilies = {"probe_success",         "probe_duration_seconds",
                                                  "probe_timeout_seconds", "probe_dns_lookup_time_seconds",
                                                  "probe_ip_protocol",     "probe_ssh_duration_seconds",
                                                  "probe_ssh_failure"};

double failure_sum(const std::vector<MetricFamily>& families) {
  double sum = 0;
  for (const Sample& sample : find_family(families, "probe_ssh_failure")->samples) sum += sample.value;
  return sum;
}

// The exposition from the first hop family on: what a probe through jump hosts adds.
std::string hop_text(const ProbeReport& report) {
  const std::string text = write_text(families_from_report(report));
  const auto at = text.find("# HELP probe_ssh_hop_success ");
  return at == std::string::npos ? std::string() : text.substr(at);
}

const std::string kHopSuccessHeader =
    "# HELP probe_ssh_hop_success Whether the jump host was reached, its host key accepted, the login "
    "succeeded and the channel onward opened (1) or not (0).\n"
    "# TYPE probe_ssh_hop_success gauge\n";
const std::string kHopDurationHeader =
    "# HELP probe_ssh_hop_duration_seconds Duration of each phase at the jump host in seconds, 0 if the phase "
    "was not reached; forward opens the channel to the next hop or the target.\n"
    "# TYPE probe_ssh_hop_duration_seconds gauge\n";
const std::string kHopHostKeyHeader =
    "# HELP probe_ssh_hop_host_key_info Type and SHA256 fingerprint of the jump host's host key, always 1.\n"
    "# TYPE probe_ssh_hop_host_key_info gauge\n";

bool has_hop_family(const std::vector<MetricFamily>& families) {
  return std::ranges::any_of(families, [](const MetricFamily& f) { return f.name.starts_with("probe_ssh_hop_"); });
}

}  // namespace

TEST_CASE("a successful report gives every standard family with exact values", "[unit][metrics]") {
  CHECK(write_text(families_from_report(success_report())) ==
        "# HELP probe_success Whether the probe succeeded (1) or failed (0).\n"
        "# TYPE probe_success gauge\n"
        "probe_success 1\n"
        "# HELP probe_duration_seconds How long the probe took to complete in seconds.\n"
        "# TYPE probe_duration_seconds gauge\n"
        "probe_duration_seconds 1.234567\n"
        "# HELP probe_timeout_seconds The effective timeout of the probe in seconds.\n"
        "# TYPE probe_timeout_seconds gauge\n"
        "probe_timeout_seconds 9.5\n"
        "# HELP probe_dns_lookup_time_seconds How long the DNS lookup of the target took in "
        "seconds, 0 for an IP literal or when it was not reached.\n"
        "# TYPE probe_dns_lookup_time_seconds gauge\n"
        "probe_dns_lookup_time_seconds 0.001\n"
        "# HELP probe_ip_protocol IP protocol of the address probed: 4 or 6, 0 if none was "
        "chosen.\n"
        "# TYPE probe_ip_protocol gauge\n"
        "probe_ip_protocol 4\n"
        "# HELP probe_ssh_duration_seconds Duration of each SSH probe phase in seconds, 0 if the "
        "phase was not reached.\n"
        "# TYPE probe_ssh_duration_seconds gauge\n"
        "probe_ssh_duration_seconds{phase=\"resolve\"} 0.001\n"
        "probe_ssh_duration_seconds{phase=\"connect\"} 0.002\n"
        "probe_ssh_duration_seconds{phase=\"handshake\"} 0.25\n"
        "probe_ssh_duration_seconds{phase=\"host_key\"} 0.0005\n"
        "probe_ssh_duration_seconds{phase=\"auth\"} 0.1\n"
        "probe_ssh_duration_seconds{phase=\"commands\"} 0.3\n"
        "probe_ssh_duration_seconds{phase=\"sftp\"} 0\n"
        "# HELP probe_ssh_failure Why the probe failed: 1 for the reason that ended it, 0 for the "
        "others; all 0 on success.\n"
        "# TYPE probe_ssh_failure gauge\n"
        "probe_ssh_failure{reason=\"resolve\"} 0\n"
        "probe_ssh_failure{reason=\"connect\"} 0\n"
        "probe_ssh_failure{reason=\"timeout\"} 0\n"
        "probe_ssh_failure{reason=\"handshake\"} 0\n"
        "probe_ssh_failure{reason=\"host_key\"} 0\n"
        "probe_ssh_failure{reason=\"auth\"} 0\n"
        "probe_ssh_failure{reason=\"command_exit\"} 0\n"
        "probe_ssh_failure{reason=\"command_output\"} 0\n"
        "probe_ssh_failure{reason=\"internal\"} 0\n"
        "probe_ssh_failure{reason=\"forward\"} 0\n"
        "probe_ssh_failure{reason=\"channel\"} 0\n"
        "probe_ssh_failure{reason=\"sftp\"} 0\n"
        "# HELP probe_ssh_server_info Identification and negotiated algorithms of the SSH server, "
        "always 1.\n"
        "# TYPE probe_ssh_server_info gauge\n"
        "probe_ssh_server_info{banner=\"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\","
        "software=\"OpenSSH_9.2p1\",kex=\"curve25519-sha256\","
        "cipher=\"chacha20-poly1305@openssh.com\",mac=\"umac-128-etm@openssh.com\"} 1\n"
        "# HELP probe_ssh_host_key_info Type and SHA256 fingerprint of the SSH server's host key, "
        "always 1.\n"
        "# TYPE probe_ssh_host_key_info gauge\n"
        "probe_ssh_host_key_info{type=\"ssh-ed25519\","
        "fingerprint_sha256=\"SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s\"} 1\n"
        "# HELP probe_ssh_certificate_expiry_timestamp_seconds When the SSH user certificate used "
        "by the probe expires, in Unix seconds.\n"
        "# TYPE probe_ssh_certificate_expiry_timestamp_seconds gauge\n"
        "probe_ssh_certificate_expiry_timestamp_seconds 1700000000\n");
}

TEST_CASE("a failure in each phase sets exactly that reason and zeroes unreached phases", "[unit][metrics]") {
  const auto [phase, code, reason] = GENERATE(table<Phase, ErrorCode, std::string>({
      {Phase::resolve, ErrorCode::not_found, "resolve"},
      {Phase::connect, ErrorCode::unavailable, "connect"},
      {Phase::handshake, ErrorCode::failed_precondition, "handshake"},
      {Phase::host_key, ErrorCode::permission_denied, "host_key"},
      {Phase::auth, ErrorCode::unauthenticated, "auth"},
      {Phase::commands, ErrorCode::failed_precondition, "command_exit"},
      {Phase::connect, ErrorCode::internal, "internal"},
  }));
  CAPTURE(to_string(phase), reason);
  const auto families = families_from_report(failed_report(phase, code));

  CHECK(value_of(families, "probe_success") == 0.0);
  CHECK(value_of(families, "probe_ssh_failure", "reason", reason) == 1.0);
  CHECK(failure_sum(families) == 1.0);
  for (const Phase p : kAllPhases) {
    CAPTURE(to_string(p));
    CHECK(value_of(families, "probe_ssh_duration_seconds", "phase", to_string(p)) == (p <= phase ? 0.01 : 0.0));
  }
  CHECK((find_family(families, "probe_ssh_server_info") != nullptr) == (phase > Phase::handshake));
  CHECK(value_of(families, "probe_dns_lookup_time_seconds") == (phase > Phase::resolve ? 0.003 : 0.0));
  CHECK(value_of(families, "probe_ip_protocol") == (phase > Phase::resolve ? 6.0 : 0.0));
}

TEST_CASE("a deadline in any phase is reported as the timeout reason", "[unit][metrics]") {
  const Phase phase = GENERATE(from_range(kAllPhases));
  CAPTURE(to_string(phase));
  ProbeReport report = failed_report(phase, ErrorCode::deadline_exceeded);
  report.duration = 5s;
  const auto families = families_from_report(report);

  CHECK(value_of(families, "probe_success") == 0.0);
  CHECK(value_of(families, "probe_ssh_failure", "reason", "timeout") == 1.0);
  CHECK(failure_sum(families) == 1.0);
  CHECK(value_of(families, "probe_duration_seconds") == 5.0);
  CHECK(value_of(families, "probe_timeout_seconds") == 5.0);
}

TEST_CASE("every failure reason is emitted, exactly one of them 1 on failure", "[unit][metrics]") {
  const FailureReason failed = GENERATE(from_range(kAllFailureReasons));
  CAPTURE(to_string(failed));
  ProbeReport report = failed_report(Phase::commands, ErrorCode::failed_precondition);
  report.failure = failed;
  const auto families = families_from_report(report);

  const MetricFamily* family = find_family(families, "probe_ssh_failure");
  REQUIRE(family != nullptr);
  REQUIRE(family->samples.size() == kFailureReasonCount);
  for (std::size_t i = 0; i < kFailureReasonCount; ++i) {
    const Sample& sample = family->samples[i];
    REQUIRE(sample.labels.size() == 1);
    CHECK(sample.labels[0].name == "reason");
    CHECK(sample.labels[0].value == to_string(kAllFailureReasons[i]));
    CHECK(sample.value == (kAllFailureReasons[i] == failed ? 1.0 : 0.0));
  }
}

TEST_CASE("a failed report without a reason counts as internal", "[unit][metrics]") {
  ProbeReport report = failed_report(Phase::auth, ErrorCode::unauthenticated);
  report.failure.reset();
  const auto families = families_from_report(report);
  CHECK(value_of(families, "probe_ssh_failure", "reason", "internal") == 1.0);
  CHECK(failure_sum(families) == 1.0);
}

TEST_CASE("a successful report sets no failure reason, even if one is filled in", "[unit][metrics]") {
  ProbeReport report = success_report();
  report.failure = FailureReason::auth;
  const auto families = families_from_report(report);
  CHECK(value_of(families, "probe_success") == 1.0);
  CHECK(failure_sum(families) == 0.0);
  CHECK(find_family(families, "probe_ssh_failure")->samples.size() == kFailureReasonCount);
}

TEST_CASE("the standard families come first and in a fixed order on every path", "[unit][metrics]") {
  SECTION("failure before the handshake has only the standard families") {
    CHECK(names_of(families_from_report(failed_report(Phase::connect, ErrorCode::unavailable))) == kAlwaysFamilies);
  }
  SECTION("an empty report still has every standard family") {
    const auto families = families_from_report(ProbeReport{});
    CHECK(names_of(families) == kAlwaysFamilies);
    CHECK(value_of(families, "probe_ssh_failure", "reason", "internal") == 1.0);
    CHECK(find_family(families, "probe_ssh_duration_seconds")->samples.size() == kPhaseCount);
  }
  SECTION("success adds server, host key and certificate families after them") {
    auto expected = kAlwaysFamilies;
    expected.insert(expected.end(), {"probe_ssh_server_info", "probe_ssh_host_key_info",
                                     "probe_ssh_certificate_expiry_timestamp_seconds"});
    CHECK(names_of(families_from_report(success_report())) == expected);
  }
}

TEST_CASE("ip protocol is 4 or 6, anything else is 0", "[unit][metrics]") {
  const auto [protocol, expected] = GENERATE(table<int, double>({{4, 4}, {6, 6}, {0, 0}, {5, 0}, {-1, 0}}));
  ProbeReport report = success_report();
  report.ip_protocol = protocol;
  CHECK(value_of(families_from_report(report), "probe_ip_protocol") == expected);
}

TEST_CASE("certificate expiry is reported only when a certificate was used", "[unit][metrics]") {
  ProbeReport report = success_report();
  SECTION("present") {
    report.certificate_expiry = 4102444800;
    CHECK(value_of(families_from_report(report), "probe_ssh_certificate_expiry_timestamp_seconds") == 4102444800.0);
    CHECK_THAT(write_text(families_from_report(report)),
               Catch::Contains("\nprobe_ssh_certificate_expiry_timestamp_seconds 4102444800\n"));
  }
  SECTION("absent") {
    report.certificate_expiry.reset();
    const auto families = families_from_report(report);
    CHECK(find_family(families, "probe_ssh_certificate_expiry_timestamp_seconds") == nullptr);
    CHECK(find_family(families, "probe_ssh_server_info") != nullptr);
  }
}

TEST_CASE("collector output is accepted by the registry on every path", "[unit][metrics]") {
  const ProbeReport report = GENERATE(success_report(), failed_report(Phase::resolve, ErrorCode::not_found),
                                      failed_report(Phase::auth, ErrorCode::unauthenticated), ProbeReport{},
                                      jump_success_report(),
                                      jump_hop_failed_report(0, HopPhase::host_key, ErrorCode::permission_denied),
                                      jump_hop_failed_report(1, HopPhase::forward, ErrorCode::unavailable),
                                      jump_target_failed_report(Phase::auth, ErrorCode::unauthenticated));
  Registry registry;
  for (MetricFamily& family : families_from_report(report)) {
    const auto added = registry.add(std::move(family));
    INFO((added ? std::string() : added.error().message));
    CHECK(added);
  }
}

TEST_CASE("through jump hosts, a successful probe adds every hop's success, phases and host key", "[unit][metrics]") {
  const ProbeReport report = jump_success_report();
  CHECK(hop_text(report) == kHopSuccessHeader +
                                "probe_ssh_hop_success{hop=\"bastion\"} 1\n"
                                "probe_ssh_hop_success{hop=\"inner\"} 1\n" +
                                kHopDurationHeader +
                                "probe_ssh_hop_duration_seconds{hop=\"bastion\",phase=\"connect\"} 0.001\n"
                                "probe_ssh_hop_duration_seconds{hop=\"bastion\",phase=\"handshake\"} 0.02\n"
                                "probe_ssh_hop_duration_seconds{hop=\"bastion\",phase=\"host_key\"} 0.00025\n"
                                "probe_ssh_hop_duration_seconds{hop=\"bastion\",phase=\"auth\"} 0.03\n"
                                "probe_ssh_hop_duration_seconds{hop=\"bastion\",phase=\"forward\"} 0.004\n"
                                "probe_ssh_hop_duration_seconds{hop=\"inner\",phase=\"connect\"} 0.002\n"
                                "probe_ssh_hop_duration_seconds{hop=\"inner\",phase=\"handshake\"} 0.04\n"
                                "probe_ssh_hop_duration_seconds{hop=\"inner\",phase=\"host_key\"} 0.0005\n"
                                "probe_ssh_hop_duration_seconds{hop=\"inner\",phase=\"auth\"} 0.06\n"
                                "probe_ssh_hop_duration_seconds{hop=\"inner\",phase=\"forward\"} 0.008\n" +
                                kHopHostKeyHeader +
                                "probe_ssh_hop_host_key_info{hop=\"bastion\",type=\"ssh-ed25519\","
                                "fingerprint_sha256=\"SHA256:hop0Key\"} 1\n"
                                "probe_ssh_hop_host_key_info{hop=\"inner\",type=\"ssh-ed25519\","
                                "fingerprint_sha256=\"SHA256:hop1Key\"} 1\n");

  const auto families = families_from_report(report);
  auto expected = kAlwaysFamilies;
  expected.insert(expected.end(), {"probe_ssh_server_info", "probe_ssh_host_key_info",
                                   "probe_ssh_certificate_expiry_timestamp_seconds", "probe_ssh_hop_success",
                                   "probe_ssh_hop_duration_seconds", "probe_ssh_hop_host_key_info"});
  CHECK(names_of(families) == expected);
  // The target's resolve is not run through hops; its connect lasts until the stream to it is open.
  CHECK(value_of(families, "probe_ssh_duration_seconds", "phase", "resolve") == 0.0);
  CHECK(value_of(families, "probe_ssh_duration_seconds", "phase", "connect") == 0.16575);
  CHECK(value_of(families, "probe_success") == 1.0);
  CHECK(failure_sum(families) == 0.0);
}

TEST_CASE("through jump hosts, a host key refused at the first hop: that hop 0 with its key, the rest unreached",
          "[unit][metrics]") {
  const ProbeReport report = jump_hop_failed_report(0, HopPhase::host_key, ErrorCode::permission_denied);
  CHECK(hop_text(report) == kHopSuccessHeader +
                                "probe_ssh_hop_success{hop=\"bastion\"} 0\n"
                                "probe_ssh_hop_success{hop=\"inner\"} 0\n" +
                                kHopDurationHeader +
                                "probe_ssh_hop_duration_seconds{hop=\"bastion\",phase=\"connect\"} 0.01\n"
                                "probe_ssh_hop_duration_seconds{hop=\"bastion\",phase=\"handshake\"} 0.01\n"
                                "probe_ssh_hop_duration_seconds{hop=\"bastion\",phase=\"host_key\"} 0.01\n"
                                "probe_ssh_hop_duration_seconds{hop=\"bastion\",phase=\"auth\"} 0\n"
                                "probe_ssh_hop_duration_seconds{hop=\"bastion\",phase=\"forward\"} 0\n"
                                "probe_ssh_hop_duration_seconds{hop=\"inner\",phase=\"connect\"} 0\n"
                                "probe_ssh_hop_duration_seconds{hop=\"inner\",phase=\"handshake\"} 0\n"
                                "probe_ssh_hop_duration_seconds{hop=\"inner\",phase=\"host_key\"} 0\n"
                                "probe_ssh_hop_duration_seconds{hop=\"inner\",phase=\"auth\"} 0\n"
                                "probe_ssh_hop_duration_seconds{hop=\"inner\",phase=\"forward\"} 0\n" +
                                kHopHostKeyHeader +
                                "probe_ssh_hop_host_key_info{hop=\"bastion\",type=\"ssh-rsa\","
                                "fingerprint_sha256=\"SHA256:changedKey\"} 1\n");
  const auto families = families_from_report(report);
  CHECK(value_of(families, "probe_success") == 0.0);
  CHECK(value_of(families, "probe_ssh_failure", "reason", "host_key") == 1.0);
  CHECK(failure_sum(families) == 1.0);
  // The target was never reached: no server or host key of its own.
  CHECK(find_family(families, "probe_ssh_server_info") == nullptr);
  CHECK(find_family(families, "probe_ssh_host_key_info") == nullptr);
  CHECK(value_of(families, "probe_ssh_duration_seconds", "phase", "connect") == 0.03);
  CHECK(value_of(families, "probe_ssh_duration_seconds", "phase", "handshake") == 0.0);
}

TEST_CASE("through jump hosts, a channel refused by the second hop is the reason forward", "[unit][metrics]") {
  const ProbeReport report = jump_hop_failed_report(1, HopPhase::forward, ErrorCode::unavailable);
  CHECK(hop_text(report) == kHopSuccessHeader +
                                "probe_ssh_hop_success{hop=\"bastion\"} 1\n"
                                "probe_ssh_hop_success{hop=\"inner\"} 0\n" +
                                kHopDurationHeader +
                                "probe_ssh_hop_duration_seconds{hop=\"bastion\",phase=\"connect\"} 0.001\n"
                                "probe_ssh_hop_duration_seconds{hop=\"bastion\",phase=\"handshake\"} 0.02\n"
                                "probe_ssh_hop_duration_seconds{hop=\"bastion\",phase=\"host_key\"} 0.00025\n"
                                "probe_ssh_hop_duration_seconds{hop=\"bastion\",phase=\"auth\"} 0.03\n"
                                "probe_ssh_hop_duration_seconds{hop=\"bastion\",phase=\"forward\"} 0.004\n"
                                "probe_ssh_hop_duration_seconds{hop=\"inner\",phase=\"connect\"} 0.01\n"
                                "probe_ssh_hop_duration_seconds{hop=\"inner\",phase=\"handshake\"} 0.01\n"
                                "probe_ssh_hop_duration_seconds{hop=\"inner\",phase=\"host_key\"} 0.01\n"
                                "probe_ssh_hop_duration_seconds{hop=\"inner\",phase=\"auth\"} 0.01\n"
                                "probe_ssh_hop_duration_seconds{hop=\"inner\",phase=\"forward\"} 0.01\n" +
                                kHopHostKeyHeader +
                                "probe_ssh_hop_host_key_info{hop=\"bastion\",type=\"ssh-ed25519\","
                                "fingerprint_sha256=\"SHA256:hop0Key\"} 1\n"
                                "probe_ssh_hop_host_key_info{hop=\"inner\",type=\"ssh-rsa\","
                                "fingerprint_sha256=\"SHA256:changedKey\"} 1\n");
  const auto families = families_from_report(report);
  CHECK(value_of(families, "probe_ssh_failure", "reason", "forward") == 1.0);
  CHECK(failure_sum(families) == 1.0);
}

TEST_CASE("through jump hosts, a failure at the target leaves every hop 1", "[unit][metrics]") {
  const ProbeReport report = jump_target_failed_report(Phase::auth, ErrorCode::unauthenticated);
  const auto families = families_from_report(report);
  CHECK(value_of(families, "probe_ssh_failure", "reason", "auth") == 1.0);
  CHECK(failure_sum(families) == 1.0);
  CHECK(value_of(families, "probe_ssh_hop_success", "hop", "bastion") == 1.0);
  CHECK(value_of(families, "probe_ssh_hop_success", "hop", "inner") == 1.0);
  CHECK(find_family(families, "probe_ssh_hop_duration_seconds")->samples.size() == 2 * kHopPhaseCount);
  CHECK(find_family(families, "probe_ssh_hop_host_key_info")->samples.size() == 2);
  // The target's own key, seen before its auth failed, stays in its own family.
  CHECK_THAT(write_text(families), Catch::Contains("\nprobe_ssh_host_key_info{type=\"ssh-ed25519\","
                                                   "fingerprint_sha256=\"SHA256:abc\"} 1\n"));
}

TEST_CASE("through jump hosts, every hop phase and reason maps as for the target", "[unit][metrics]") {
  const auto [phase, code, reason] = GENERATE(table<HopPhase, ErrorCode, std::string>({
      {HopPhase::connect, ErrorCode::unavailable, "connect"},
      {HopPhase::handshake, ErrorCode::failed_precondition, "handshake"},
      {HopPhase::host_key, ErrorCode::permission_denied, "host_key"},
      {HopPhase::auth, ErrorCode::unauthenticated, "auth"},
      {HopPhase::forward, ErrorCode::unavailable, "forward"},
      {HopPhase::auth, ErrorCode::deadline_exceeded, "timeout"},
      {HopPhase::forward, ErrorCode::internal, "internal"},
  }));
  const std::size_t hop = GENERATE(0u, 1u);
  CAPTURE(to_string(phase), reason, hop);
  const auto families = families_from_report(jump_hop_failed_report(hop, phase, code));
  CHECK(value_of(families, "probe_ssh_failure", "reason", reason) == 1.0);
  CHECK(failure_sum(families) == 1.0);
  CHECK(value_of(families, "probe_ssh_hop_success", "hop", "bastion") == (hop > 0 ? 1.0 : 0.0));
  CHECK(value_of(families, "probe_ssh_hop_success", "hop", "inner") == 0.0);
  CHECK(find_family(families, "probe_ssh_hop_duration_seconds")->samples.size() == 2 * kHopPhaseCount);
  // A key only for the hops whose handshake completed: none when the first hop failed before.
  const MetricFamily* keys = find_family(families, "probe_ssh_hop_host_key_info");
  const std::size_t seen = hop + (phase >= HopPhase::host_key ? 1 : 0);
  CHECK((keys == nullptr ? 0 : keys->samples.size()) == seen);
  CHECK(openmetrics_problems(write_openmetrics(families)).empty());
}

TEST_CASE("a direct probe has no hop families on any path", "[unit][metrics]") {
  const ProbeReport report = GENERATE(success_report(), failed_report(Phase::resolve, ErrorCode::not_found),
                                      failed_report(Phase::host_key, ErrorCode::permission_denied),
                                      failed_report(Phase::commands, ErrorCode::deadline_exceeded), ProbeReport{});
  CHECK_FALSE(has_hop_family(families_from_report(report)));
  CHECK_THAT(write_text(families_from_report(report)), !Catch::Contains("probe_ssh_hop"));
}

TEST_CASE("the exposition through jump hosts is valid OpenMetrics on every path", "[unit][metrics][openmetrics]") {
  const ProbeReport report = GENERATE(jump_success_report(),
                                      jump_hop_failed_report(0, HopPhase::host_key, ErrorCode::permission_denied),
                                      jump_hop_failed_report(1, HopPhase::forward, ErrorCode::unavailable),
                                      jump_target_failed_report(Phase::auth, ErrorCode::unauthenticated));
  const std::string text = write_openmetrics(families_from_report(report));
  INFO(text);
  CHECK(openmetrics_problems(text) == std::vector<std::string>{});
  CHECK_THAT(text, Catch::Contains("\nprobe_ssh_hop_success{hop=\"bastion\"} "));
}

TEST_CASE("the banner label's stable form ends at the software version", "[unit][metrics]") {
  CHECK(banner_without_comment("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3") == "SSH-2.0-OpenSSH_9.2p1");
  CHECK(banner_without_comment("SSH-2.0-tinyssh_20230101-1 fuUkkLYs") == "SSH-2.0-tinyssh_20230101-1");
  CHECK(banner_without_comment("SSH-2.0-dropbear_2022.83") == "SSH-2.0-dropbear_2022.83");
}

TEST_CASE("an sftp report gives its success, every op and only the values it has", "[unit][metrics][sftp]") {
  ProbeReport without = success_report();
  for (const char* name : {"probe_sftp_success", "probe_sftp_duration_seconds", "probe_sftp_directory_entries",
                           "probe_sftp_filesystem_avail_bytes"}) {
    CHECK(find_family(families_from_report(without), name) == nullptr);
  }

  ProbeReport report = failed_report(Phase::sftp, ErrorCode::permission_denied);
  CHECK(report.failure == FailureReason::sftp);
  report.sftp = SftpReport{};
  report.sftp->set_op_duration(SftpOp::init, 10ms);
  auto families = families_from_report(report);
  CHECK(find_family(families, "probe_sftp_success")->samples.at(0).value == 0.0);
  const MetricFamily* durations = find_family(families, "probe_sftp_duration_seconds");
  REQUIRE(durations != nullptr);
  REQUIRE(durations->samples.size() == kSftpOpCount);
  CHECK(durations->samples[0].labels[0].value == "init");
  CHECK(durations->samples[0].value == 0.01);
  CHECK(durations->samples[7].labels[0].value == "statvfs");
  CHECK(durations->samples[7].value == 0.0);
  CHECK(find_family(families, "probe_sftp_directory_entries") == nullptr);
  CHECK(find_family(families, "probe_sftp_filesystem_size_bytes") == nullptr);

  report.sftp->success = true;
  report.sftp->directory_entries = 3;
  report.sftp->filesystem_avail_bytes = 1000;
  report.sftp->filesystem_size_bytes = 5000;
  families = families_from_report(report);
  CHECK(find_family(families, "probe_sftp_success")->samples.at(0).value == 1.0);
  CHECK(find_family(families, "probe_sftp_directory_entries")->samples.at(0).value == 3.0);
  CHECK(find_family(families, "probe_sftp_filesystem_avail_bytes")->samples.at(0).value == 1000.0);
  CHECK(find_family(families, "probe_sftp_filesystem_size_bytes")->samples.at(0).value == 5000.0);
  CHECK(openmetrics_problems(write_openmetrics(families)) == std::vector<std::string>{});
}
