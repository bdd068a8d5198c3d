// The SFTP check against hostile SFTP servers (tests/support/sftp_adversary.py): whatever the server's sftp
// subsystem does, the probe answers within its deadline, failed with a sensible reason, without the exporter's
// memory following what the server claims, and with every descriptor back.
//
// Needs python3 with paramiko: ctest's "sftp_adversarial" test runs these cases through tests/run_if.sh, which
// skips them visibly where it is missing.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <string_view>

#include "support/eventually.hpp"
#include "support/probe_bed.hpp"
#include "support/sftp_adversary.hpp"

using namespace spe::test;
using namespace std::chrono_literals;

namespace {

// The module's timeout: long enough for a protocol error to show well before it, even in a sanitizer build.
constexpr auto kTimeout = 2s;
// The timeout of the modules whose probe ends at the deadline: shorter, as nothing is expected before it.
constexpr auto kShortTimeout = 1s;
// CI machines are shared: the answer may come this long after the deadline.
constexpr auto kSlack = 500ms;
// A server that breaks the protocol is caught when its packet arrives, long before the deadline.
constexpr auto kFailsFast = 1s;
// What the exporter's resident memory may grow by during one probe: far below what the hostile servers claim
// (4 GiB strings and packets) or send (64 MiB).
constexpr long kMaxGrowthKb = 24 * 1024;
// CPU time the exporter may spend on one probe (endless_readdir parses 44 KB packets until its deadline): half of
// kShortTimeout, where a loop spinning until that deadline would take all of it.
constexpr double kMaxCpuSeconds = 0.5;

// Every SFTP operation, so that each request the server answers badly is one the probe makes.
std::string sftp_module(const SftpAdversary& server, std::chrono::milliseconds timeout = kTimeout) {
  return "[modules.hostile]\n"
         "user = \"" +
         server.user() +
         "\"\n"
         "private_key = " +
         toml_string(server.key_path()) +
         "\n"
         "known_hosts = " +
         toml_string(server.known_hosts_path()) +
         "\n"
         "timeout = \"" +
         std::to_string(timeout.count()) +
         "ms\"\n"
         "[modules.hostile.sftp]\n"
         "path = \".\"\n"
         "list = true\n"
         "write_test = true\n"
         "write_test_bytes = 1024\n"
         "min_free_bytes = 1\n";
}

struct Expected {
  SftpMisbehaviour misbehaviour;
  std::string reason;  // failure reason
  bool fast;           // over well before the deadline (else at the deadline)
  std::string op;      // the step of the check the deadline cut off ("" when not at the deadline)
  bool in_write_test;  // the temporary file exists when the server misbehaves: its REMOVE must come
  std::string logged;  // what the exporter's log says of it
};

// The write test's temporary file: .ssh_probe_exporter.<pid>.<random>.tmp in the directory checked.
constexpr std::string_view kTemporaryFile = " /upload/.ssh_probe_exporter.";

bool requested(const SftpAdversary& server, const std::string& type) {
  return server.log().find("request " + type + std::string(kTemporaryFile)) != std::string::npos;
}

}  // namespace

TEST_CASE("an honest SFTP server of the adversary passes the SFTP check", "[adversarial][sftp]") {
  SftpAdversary server(SftpMisbehaviour::honest);
  TempDir dir{"spe-sftp-honest"};
  const auto config = dir.write("exporter.toml", sftp_module(server));
  ExporterProcess exporter(config);

  const HttpResponse response = http_get(exporter.port(), "/probe?module=hostile&target=" + server.target());
  INFO(response.error << "\n" << response.body << "\n" << exporter.log() << "\n" << server.log());
  REQUIRE(response.status == 200);
  CHECK(metric_value(response.body, "probe_success") == 1);
  CHECK(metric_value(response.body, "probe_sftp_success") == 1);
  CHECK(metric_value(response.body, "probe_sftp_directory_entries") == 3);
  CHECK(metric_value(response.body, "probe_sftp_filesystem_avail_bytes") == 4096.0 * (1 << 19));
  CHECK(failure_reason_of(response.body).empty());
  CHECK(requested(server, "REMOVE"));
}

// The write test's file must not stay behind: removed after a failed comparison, and its REMOVE sent (best effort,
// unanswered) when the deadline ends the probe in the middle of the write.
TEST_CASE("a hostile SFTP server ends the probe failed, within the deadline, bounded", "[adversarial][sftp]") {
  const auto expected = GENERATE(values<Expected>({
      {SftpMisbehaviour::oversize_length, "sftp", true, "", false, "SFTP packet of 4294967280 bytes"},
      {SftpMisbehaviour::truncated, "timeout", false, "init", false, "exceeded during sftp"},
      {SftpMisbehaviour::wrong_ids, "sftp", true, "", false, "the SFTP server answered request 1001, not 1"},
      {SftpMisbehaviour::no_version, "timeout", false, "init", false, "exceeded during sftp"},
      // Never silent, yet never done: the deadline ends it (the bound on READDIR rounds is far beyond it).
      {SftpMisbehaviour::endless_readdir, "timeout", false, "list", false, "exceeded during sftp"},
      {SftpMisbehaviour::huge_string, "sftp", true, "", false, "malformed SFTP NAME"},
      {SftpMisbehaviour::huge_count, "sftp", true, "", false, "malformed SFTP NAME"},
      {SftpMisbehaviour::garbage_status, "sftp", true, "", false, "SSH_FX_UNKNOWN(3735928559)"},
      {SftpMisbehaviour::close_mid_packet, "sftp", true, "", false, "the SFTP server closed the channel"},
      {SftpMisbehaviour::stall_write, "timeout", false, "write", true, "exceeded during sftp"},
      {SftpMisbehaviour::corrupt_read, "sftp", true, "", true, "what was read back"},
      {SftpMisbehaviour::drop_connection, "sftp", true, "", false, "reading the channel: "},
      {SftpMisbehaviour::refuse_subsystem, "sftp", true, "", false, "refused the subsystem sftp"},
      {SftpMisbehaviour::stderr_flood, "timeout", false, "realpath", false, "exceeded during sftp"},
  }));
  INFO("server mode " << to_string(expected.misbehaviour));
  SftpAdversary server(expected.misbehaviour);
  TempDir dir{"spe-sftp-hostile"};
  const std::chrono::milliseconds timeout = expected.fast ? kTimeout : kShortTimeout;
  const auto config = dir.write("exporter.toml", sftp_module(server, timeout));
  ExporterProcess exporter(config);
  const std::size_t fds_before = exporter.open_fds();
  [[maybe_unused]] const long rss_before_kb = exporter.rss_kb();
  [[maybe_unused]] const double cpu_before = exporter.cpu_seconds();

  const auto start = std::chrono::steady_clock::now();
  const HttpResponse response = http_get(exporter.port(), "/probe?module=hostile&target=" + server.target());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  const bool removed = !expected.in_write_test || eventually([&] { return requested(server, "REMOVE"); }, 3s);
  INFO(response.error << "\n" << response.body << "\n" << exporter.log() << "\n" << server.log());
  REQUIRE(response.status == 200);
  CHECK(metric_value(response.body, "probe_success") == 0);
  CHECK(metric_value(response.body, "probe_sftp_success") == 0);
  CHECK(failure_reason_of(response.body) == expected.reason);
  CHECK(exporter.log().find(expected.logged) != std::string::npos);
  // The SFTP check's channel is no command's: its errors do not speak of command output or a shell.
  CHECK(exporter.log().find("command output") == std::string::npos);
  CHECK(exporter.log().find("the shell") == std::string::npos);
  // What a server sends reaches the log only as printable text (garbage_status sends escape sequences).
  CHECK(exporter.log().find('\x1b') == std::string::npos);
  // The login worked: what failed is the SFTP check.
  CHECK(count_series(response.body, "probe_ssh_host_key_info") == 1);
  if (expected.fast) {
    CHECK(elapsed < kFailsFast);
  } else {
    CHECK(elapsed >= timeout);
    // The step the deadline cut off had been waiting most of the time.
    CHECK(metric_value(response.body, "probe_sftp_duration_seconds", {{"op", expected.op}}).value_or(0) > 0.5);
  }
  CHECK(elapsed <= timeout + kSlack);
#ifndef SPE_SANITIZED
  // Waiting on a hostile server is waiting, not spinning.
  CHECK(exporter.cpu_seconds() - cpu_before < kMaxCpuSeconds);
  // Under ASan, shadow memory and the quarantine of freed blocks make RSS no measure of what the exporter keeps;
  // there failing fast (oversize_length, huge_string, huge_count) is what shows nothing was allocated for them.
  CHECK(exporter.peak_rss_kb() - rss_before_kb < kMaxGrowthKb);
#endif
  if (expected.in_write_test) {
    CHECK(requested(server, "OPEN"));
    CHECK(removed);
  }
  CHECK(eventually([&] { return exporter.open_fds() <= fds_before; }, 5s));
  INFO("descriptors: " << exporter.open_fds() << ", before " << fds_before);
  CHECK(exporter.running());
}

namespace {

struct CleanupExpected {
  SftpMisbehaviour misbehaviour;
  bool removed;         // the exporter's log says the file was removed (else that it may remain)
  std::string logged;   // and this
  bool slot_held_long;  // the server stays silent: the whole grace second passes with the slot held
};

}  // namespace

// A deadline in the write test: the answer comes at the deadline, the removal goes on after it for a second at
// most, holding the probe's slot of --probe.max-concurrent (and its descriptors) until it ends, and its real
// outcome reaches the exporter's log.
TEST_CASE("the write test's removal after a deadline holds the slot until it ends, and its outcome is logged",
          "[adversarial][sftp]") {
  const auto expected = GENERATE(values<CleanupExpected>({
      // CLOSE and REMOVE are answered at once.
      {SftpMisbehaviour::stall_write, true, "msg=\"sftp temporary file removed after the answer\"", false},
      // The REMOVE in flight at the deadline removes the file; the second REMOVE finds no file: removed.
      // (The 1 KiB write test is over long before the deadline: its REMOVE is what the deadline finds in flight.)
      {SftpMisbehaviour::slow_remove, true, "msg=\"sftp temporary file removed after the answer\"", false},
      // Nothing answered: the grace second runs out.
      {SftpMisbehaviour::stall_after_write, false, "err=\"no answer within 1s of the deadline\"", true},
  }));
  INFO("server mode " << to_string(expected.misbehaviour));
  SftpAdversary server(expected.misbehaviour);
  TempDir dir{"spe-sftp-cleanup"};
  const auto config = dir.write("exporter.toml", sftp_module(server, kShortTimeout));
  ExporterProcess exporter(config, {"--probe.max-concurrent", "1"});
  const std::size_t fds_before = exporter.open_fds();

  const auto start = std::chrono::steady_clock::now();
  const HttpResponse response = http_get(exporter.port(),
                                         "/probe?module=hostile&target=" + server.target() + "&debug=true");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  const auto answered = std::chrono::steady_clock::now();
  // While the removal goes on (the silent server: for the whole grace second), the probe is in flight: another
  // probe is refused.
  HttpResponse second;
  if (expected.slot_held_long) second = http_get(exporter.port(), "/probe?module=hostile&target=" + server.target());
  const bool fds_back = eventually([&] { return exporter.open_fds() <= fds_before; }, 1500ms);
  const auto fds_back_after = std::chrono::steady_clock::now() - answered;
  INFO(response.error << "\n" << response.body << "\n" << exporter.log() << "\n" << server.log());
  REQUIRE(response.status == 200);
  CHECK(failure_reason_of(response.body) == "timeout");
  CHECK(elapsed >= kShortTimeout);
  CHECK(elapsed <= kShortTimeout + kSlack);
  // The probe's own log says what it knows at the answer: the removal is queued.
  CHECK(response.body.find("sftp temporary file removal queued after the answer") != std::string::npos);
  CHECK(response.body.find("removed after the answer") == std::string::npos);
  if (expected.slot_held_long) CHECK(second.status == 503);
  CHECK(fds_back);
  CHECK(fds_back_after < 1500ms);
  CHECK(eventually([&] { return exporter.log().find(expected.logged) != std::string::npos; }, 2s));
  const std::string log = exporter.log();
  CHECK(log.find("module=hostile target=" + server.target() + " file=/upload/.ssh_probe_exporter.") !=
        std::string::npos);
  CHECK((log.find("msg=\"sftp temporary file may remain\"") == std::string::npos) == expected.removed);
  CHECK(requested(server, "REMOVE"));
  // Once released, the slot is free again: the in-flight gauge is back to 0.
  CHECK(eventually(
      [&] {
        return metric_value(http_get(exporter.port(), "/metrics").body, "ssh_probe_exporter_probes_in_flight") == 0;
      },
      2s));
  CHECK(exporter.running());
}
