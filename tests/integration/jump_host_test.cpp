// Probes through jump hosts, against real OpenSSH servers on loopback (support/jump_bed.hpp): the target
// reached through one and two bastions with every login method, and each way a hop can refuse, seen from both
// the exporter's answer and the servers' own logs.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "support/jump_bed.hpp"
#include "support/probe_bed.hpp"
#include "support/text.hpp"

using namespace spe::test;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> kHopPhases{"connect", "handshake", "host_key", "auth", "forward"};

// What sshd logs when a connection of the probe has ended (closed, refused or logged out).
const std::vector<std::string> kConnectionEnded{"Connection closed", "Disconnected from", "Received disconnect",
                                                "Connection reset"};

// The metrics part of a response: all of it, or what follows the log of a debug=true one.
std::string metrics_of(const HttpResponse& response) {
  const auto at = response.body.find("\n\nMetrics that would have been returned:\n");
  return at == std::string::npos ? response.body : response.body.substr(at);
}

// Asserts the invariants of every probe through jump hosts and returns its metrics.
std::string probe_metrics(const std::string& module, bool debug = false) {
  const HttpResponse response = JumpBed::shared().probe(module, "", debug);
  INFO("module " << module << " error " << response.error << "\n" << response.body);
  REQUIRE(response.status == 200);
  return metrics_of(response);
}

double hop_success(const std::string& metrics, const std::string& hop) {
  return metric_value(metrics, "probe_ssh_hop_success", {{"hop", hop}}).value_or(-1);
}

double hop_phase(const std::string& metrics, const std::string& hop, const std::string& phase) {
  return metric_value(metrics, "probe_ssh_hop_duration_seconds", {{"hop", hop}, {"phase", phase}}).value_or(-1);
}

// The hop was reached, verified, logged in to and forwarded: success 1, every phase timed, its host key shown.
void check_hop_done(const std::string& metrics, const std::string& hop, const TestSshd& sshd) {
  INFO("hop " << hop);
  CHECK(hop_success(metrics, hop) == 1);
  for (const std::string& phase : kHopPhases) {
    INFO("phase " << phase);
    CHECK(hop_phase(metrics, hop, phase) > 0);
  }
  CHECK(metric_value(metrics, "probe_ssh_hop_host_key_info",
                     {{"hop", hop}, {"type", "ssh-ed25519"}, {"fingerprint_sha256", sshd.host_key_fingerprint()}}) ==
        1);
}

// The hop was not reached at all: success 0, every phase 0, no host key.
void check_hop_untouched(const std::string& metrics, const std::string& hop) {
  INFO("hop " << hop);
  CHECK(hop_success(metrics, hop) == 0);
  for (const std::string& phase : kHopPhases) {
    INFO("phase " << phase);
    CHECK(hop_phase(metrics, hop, phase) == 0);
  }
  CHECK_FALSE(contains(metrics, "probe_ssh_hop_host_key_info{hop=\"" + hop + "\""));
}

// sshd's log line of a direct-tcpip open, naming where to.
std::string forward_to(const TestSshd& next) { return "target 127.0.0.1 port " + std::to_string(next.port()); }

// The target logged in and answered: the probe's own view of the target, as a direct probe has it.
void check_target_reached(const std::string& metrics) {
  auto& bed = JumpBed::shared();
  CHECK(metric_value(metrics, "probe_success") == 1);
  CHECK(failure_reason_of(metrics).empty());
  CHECK(label_value(metrics, "probe_ssh_host_key_info", "fingerprint_sha256") == bed.target().host_key_fingerprint());
  // Through a jump host the exporter resolves nothing, and the target's connect phase spans every hop.
  CHECK(metric_value(metrics, "probe_ssh_duration_seconds", {{"phase", "resolve"}}) == 0);
  CHECK(metric_value(metrics, "probe_ssh_duration_seconds", {{"phase", "auth"}}).value_or(0) > 0);
}

}  // namespace

TEST_CASE("through a bastion: success, the hop's metrics, and the bastion's log of the forward to the target",
          "[integration][jump]") {
  auto& bed = JumpBed::shared();
  const auto bastion_offset = bed.bastion().log_size();
  const auto target_offset = bed.target().log_size();

  const std::string metrics = probe_metrics("via_bastion");
  INFO(metrics);
  check_target_reached(metrics);
  check_hop_done(metrics, "bastion", bed.bastion());
  CHECK(count_series(metrics, "probe_ssh_hop_success") == 1);
  CHECK(count_series(metrics, "probe_ssh_hop_duration_seconds") == kHopPhases.size());
  // The target's connect phase lasts from the probe's start until the stream through the hop is open.
  double hop_total = 0;
  for (const std::string& phase : kHopPhases) hop_total += hop_phase(metrics, "bastion", phase);
  CHECK(metric_value(metrics, "probe_ssh_duration_seconds", {{"phase", "connect"}}).value_or(0) >= hop_total - 0.001);

  const std::string bastion_log = bed.bastion().log_after(bastion_offset, {"confirm direct-tcpip"});
  INFO(bastion_log);
  CHECK(contains(bastion_log, "Accepted publickey for " + bed.bastion().user()));
  CHECK(contains(bastion_log, "server_request_direct_tcpip: originator "));
  CHECK(contains(bastion_log, forward_to(bed.target())));
  CHECK(contains(bastion_log, "server_input_channel_open: confirm direct-tcpip"));
  CHECK(contains(bed.target().log_after(target_offset, {"Accepted publickey"}),
                 "Accepted publickey for " + bed.target().user()));
}

TEST_CASE("two hops: bastion -> bastion2 -> target, listed by the module or by the second hop itself",
          "[integration][jump]") {
  auto& bed = JumpBed::shared();
  const auto [module, second] = GENERATE(table<std::string, std::string>({
      {"two_hops", "bastion2"},
      {"nested", "bastion2_via_bastion"},  // the module names only bastion2, whose own jump_hosts is bastion
  }));
  INFO("module " << module);
  const auto bastion_offset = bed.bastion().log_size();
  const auto bastion2_offset = bed.bastion2().log_size();

  const std::string metrics = probe_metrics(module);
  INFO(metrics);
  check_target_reached(metrics);
  check_hop_done(metrics, "bastion", bed.bastion());
  check_hop_done(metrics, second, bed.bastion2());
  CHECK(count_series(metrics, "probe_ssh_hop_success") == 2);
  // Each hop opened the channel to the next one only.
  const std::string bastion_log = bed.bastion().log_after(bastion_offset, {"confirm direct-tcpip"});
  CHECK(contains(bastion_log, forward_to(bed.bastion2())));
  CHECK_FALSE(contains(bastion_log, forward_to(bed.target())));
  const std::string bastion2_log = bed.bastion2().log_after(bastion2_offset, {"confirm direct-tcpip"});
  CHECK(contains(bastion2_log, forward_to(bed.target())));
  CHECK(contains(bastion2_log, "Accepted publickey for " + bed.bastion2().user()));
}

TEST_CASE("a user certificate logs in at a hop", "[integration][jump]") {
  auto& bed = JumpBed::shared();
  const auto offset = bed.bastion().log_size();
  const std::string metrics = probe_metrics("via_cert");
  INFO(metrics);
  check_target_reached(metrics);
  check_hop_done(metrics, "bastion_cert", bed.bastion());
  const std::string log = bed.bastion().log_after(offset, {"Accepted publickey"});
  INFO(log);
  CHECK(contains(log, "Accepted publickey for " + bed.bastion().user()));
  CHECK(contains(log, "ED25519-CERT"));
}

// Password logins need the dedicated account, which only root can make: ctest's "root" test runs this one.
TEST_CASE("a password logs in at a hop", "[root][jump]") {
  auto& bed = JumpBed::shared();
  INFO("no password account: this case needs root (ctest's \"root\" test skips it otherwise)");
  REQUIRE(bed.bastion().has_password());
  const auto offset = bed.bastion().log_size();
  const std::string metrics = probe_metrics("via_password");
  INFO(metrics);
  check_target_reached(metrics);
  check_hop_done(metrics, "bastion_password", bed.bastion());
  const std::string log = bed.bastion().log_after(offset, {"Accepted "});
  INFO(log);
  CHECK((contains(log, "Accepted password for ") || contains(log, "Accepted keyboard-interactive")));
  CHECK_FALSE(contains(log, "Accepted publickey"));
}

TEST_CASE("a wrong bastion host key: host_key at that hop, and no credential reaches the bastion or the target",
          "[integration][jump]") {
  auto& bed = JumpBed::shared();
  const auto bastion_offset = bed.bastion().log_size();
  const auto target_offset = bed.target().log_size();

  const std::string metrics = probe_metrics("bastion_wrong_key");
  INFO(metrics);
  CHECK(metric_value(metrics, "probe_success") == 0);
  CHECK(failure_reason_of(metrics) == "host_key");
  CHECK(hop_success(metrics, "bastion_wrong_key") == 0);
  CHECK(hop_phase(metrics, "bastion_wrong_key", "handshake") > 0);
  CHECK(hop_phase(metrics, "bastion_wrong_key", "auth") == 0);
  CHECK(hop_phase(metrics, "bastion_wrong_key", "forward") == 0);
  // The key it saw is shown, so a changed bastion key can be alerted on.
  CHECK(label_value(metrics, "probe_ssh_hop_host_key_info", "fingerprint_sha256") ==
        bed.bastion().host_key_fingerprint());

  const std::string bastion_log = bed.bastion().log_after(bastion_offset, kConnectionEnded);
  INFO(bastion_log);
  CHECK(contains(bastion_log, "Connection from 127.0.0.1"));  // it was reached, so its log is the probe's
  CHECK_FALSE(log_has_auth_attempt(bastion_log));
  CHECK_FALSE(contains(bastion_log, "direct-tcpip"));
  const std::string target_log = bed.target().log_since(target_offset);
  CHECK_FALSE(contains(target_log, "Connection from"));
  CHECK_FALSE(log_has_auth_attempt(target_log));
}

TEST_CASE("a wrong target host key behind a good bastion: host_key, the hop done, no credential at the target",
          "[integration][jump]") {
  auto& bed = JumpBed::shared();
  const auto target_offset = bed.target().log_size();

  const std::string metrics = probe_metrics("target_wrong_key");
  INFO(metrics);
  CHECK(metric_value(metrics, "probe_success") == 0);
  CHECK(failure_reason_of(metrics) == "host_key");
  check_hop_done(metrics, "bastion", bed.bastion());
  CHECK(label_value(metrics, "probe_ssh_host_key_info", "fingerprint_sha256") == bed.target().host_key_fingerprint());

  const std::string target_log = bed.target().log_after(target_offset, kConnectionEnded);
  INFO(target_log);
  CHECK(contains(target_log, "Connection from 127.0.0.1"));
  CHECK_FALSE(log_has_auth_attempt(target_log));
}

TEST_CASE("a hop that will not forward to the target: reason forward, with the hop's refusal in the debug output",
          "[integration][jump]") {
  auto& bed = JumpBed::shared();
  const auto [hop, refusal] = GENERATE(table<std::string, std::string>({
      {"no_forward", "refused local port forward: originator "},  // AllowTcpForwarding no
      {"permit_open", "but the request was denied"},              // PermitOpen 127.0.0.1:1
  }));
  INFO("hop " << hop);
  TestSshd& sshd = hop == "no_forward" ? bed.no_forward() : bed.permit_open();
  const auto hop_offset = sshd.log_size();
  const auto target_offset = bed.target().log_size();

  const HttpResponse response = bed.probe(hop, "", true);
  INFO(response.error << "\n" << response.body);
  REQUIRE(response.status == 200);
  const std::string metrics = metrics_of(response);
  CHECK(metric_value(metrics, "probe_success") == 0);
  CHECK(failure_reason_of(metrics) == "forward");
  CHECK(hop_success(metrics, hop) == 0);
  CHECK(hop_phase(metrics, hop, "auth") > 0);
  // The hop's steps are logged under its name, with the server's reason for the refusal
  // (SSH_OPEN_ADMINISTRATIVELY_PROHIBITED, "open failed" from OpenSSH).
  const std::string log = response.body.substr(0, response.body.size() - metrics.size());
  CHECK(contains(log, "hop=" + hop));
  CHECK(contains(log, "open failed"));

  const std::string hop_log = sshd.log_after(hop_offset, {refusal});
  INFO(hop_log);
  CHECK(contains(hop_log, forward_to(bed.target())));
  CHECK(contains(hop_log, refusal));
  CHECK_FALSE(contains(bed.target().log_since(target_offset), "Connection from"));
}

TEST_CASE("a hop that refuses stops the probe there: nothing reaches later hops or the target",
          "[integration][jump]") {
  auto& bed = JumpBed::shared();
  const auto [module, first, reason] = GENERATE(table<std::string, std::string, std::string>({
      {"stop_at_host_key", "bastion_wrong_key", "host_key"},
      {"stop_at_auth", "bastion_denied", "auth"},
      {"stop_at_forward", "no_forward", "forward"},
  }));
  INFO("module " << module);
  TestSshd& first_sshd = first == "no_forward" ? bed.no_forward() : bed.bastion();
  const auto first_offset = first_sshd.log_size();
  const auto bastion2_offset = bed.bastion2().log_size();
  const auto target_offset = bed.target().log_size();

  const std::string metrics = probe_metrics(module);
  INFO(metrics);
  CHECK(metric_value(metrics, "probe_success") == 0);
  CHECK(failure_reason_of(metrics) == reason);
  CHECK(hop_success(metrics, first) == 0);
  check_hop_untouched(metrics, "bastion2");
  CHECK(metric_value(metrics, "probe_ssh_duration_seconds", {{"phase", "auth"}}) == 0);

  // Once the first hop has seen the probe's connection end, nothing can still be on its way onward.
  const std::string first_log = first_sshd.log_after(first_offset, kConnectionEnded);
  INFO(first_log);
  CHECK(contains(first_log, "Connection from 127.0.0.1"));
  if (reason != "forward") CHECK_FALSE(contains(first_log, "direct-tcpip"));
  CHECK_FALSE(contains(first_log, "confirm direct-tcpip"));
  CHECK_FALSE(contains(bed.bastion2().log_since(bastion2_offset), "Connection from"));
  CHECK_FALSE(contains(bed.target().log_since(target_offset), "Connection from"));
}

TEST_CASE("megabytes of command output through a hop arrive whole and fast; past the cap they are cut",
          "[integration][jump]") {
  auto& bed = JumpBed::shared();
  SECTION("16 MB under the cap: every byte, the exit status, well within the deadline") {
    const auto start = std::chrono::steady_clock::now();
    const HttpResponse response = bed.probe("large_output", "", true);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    INFO(response.error << "\n" << response.body.substr(0, 20000));
    REQUIRE(response.status == 200);
    const std::string metrics = metrics_of(response);
    CHECK(metric_value(metrics, "probe_success") == 1);
    CHECK(metric_value(metrics, "probe_ssh_command_exit_status", {{"command", "big"}}) == 0);
    CHECK(metric_value(metrics, "probe_ssh_command_output_truncated", {{"command", "big"}}) == 0);
    CHECK(contains(response.body, "output_bytes=" + std::to_string(JumpBed::kLargeOutputBytes + 4) + " "));
    CHECK(elapsed < 10s);  // the module's deadline is 30 s
  }
  SECTION("20 MB over a 1 MiB cap: cut there, the command stopped, the hop's connection closed") {
    const auto start = std::chrono::steady_clock::now();
    const HttpResponse response = bed.probe("large_output_cut", "", true);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    INFO(response.error << "\n" << response.body.substr(0, 20000));
    REQUIRE(response.status == 200);
    const std::string metrics = metrics_of(response);
    CHECK(metric_value(metrics, "probe_ssh_command_output_truncated", {{"command", "big"}}) == 1);
    CHECK(hop_success(metrics, "bastion") == 1);
    CHECK(elapsed < 10s);
    CHECK(bed.bastion().wait_idle());
  }
}
