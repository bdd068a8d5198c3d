// The SFTP check against hostile SFTP servers (tests/support/sftp_adversary.py): whatever the server's sftp
// subsystem does, the probe answers within its deadline, failed with a sensible reason, without the exporter's
// memory following what the server claims, and with every descriptor back.
//
// Needs python3 with paramiko: ctest's "sftp_adversarial" test runs these cases through tests/run_if.sh, which
// skips them visibly where it is missing.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "support/eventually.hpp"
#include "support/probe_bed.hpp"
#include "support/sftp_adversary.hpp"

using namespace spe::test;
using namespace std::chrono_literals;

namespace {

constexpr auto kTimeout = 2s;
// CI machines are shared: the answer may come this long after the deadline.
constexpr auto kSlack = 500ms;
// A server that breaks the protocol is caught when its packet arrives, long before the deadline.
constexpr auto kFailsFast = 1s;
// What the exporter's resident memory may grow by during one probe: far below what the hostile servers claim
// (4 GiB strings and packets) or send (64 MiB).
constexpr long kMaxGrowthKb = 24 * 1024;

// Every SFTP operation, so that each request the server answers badly is one the probe makes.
std::string sftp_module(const SftpAdversary& server) {
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
         "timeout = \"2s\"\n"
         "[modules.hostile.sftp]\n"
         "path = \".\"\n"
         "list = true\n"
         "write_test = true\n"
         "write_test_bytes = 1024\n"
         "min_free_bytes = 1\n";
}

struct Expected {
  SftpMisbehaviour misbehaviour;
  std::string reason;  // failure reason, "" for success
  bool fast;           // over well before the deadline (else at the deadline)
};

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
}

TEST_CASE("a hostile SFTP server ends the probe failed, within the deadline, bounded", "[adversarial][sftp]") {
  const auto expected = GENERATE(values<Expected>({
      {SftpMisbehaviour::oversize_length, "sftp", true},
      {SftpMisbehaviour::truncated, "timeout", false},
      {SftpMisbehaviour::wrong_ids, "sftp", true},
      {SftpMisbehaviour::no_version, "timeout", false},
      {SftpMisbehaviour::endless_readdir, "sftp", true},
      {SftpMisbehaviour::huge_string, "sftp", true},
      {SftpMisbehaviour::huge_count, "sftp", true},
      {SftpMisbehaviour::garbage_status, "sftp", true},
      {SftpMisbehaviour::close_mid_packet, "sftp", true},
  }));
  INFO("server mode " << to_string(expected.misbehaviour));
  SftpAdversary server(expected.misbehaviour);
  TempDir dir{"spe-sftp-hostile"};
  const auto config = dir.write("exporter.toml", sftp_module(server));
  ExporterProcess exporter(config);
  const std::size_t fds_before = exporter.open_fds();
  const long rss_before_kb = exporter.rss_kb();

  const auto start = std::chrono::steady_clock::now();
  const HttpResponse response = http_get(exporter.port(), "/probe?module=hostile&target=" + server.target());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  INFO(response.error << "\n" << response.body << "\n" << exporter.log() << "\n" << server.log());
  REQUIRE(response.status == 200);
  CHECK(metric_value(response.body, "probe_success") == 0);
  CHECK(metric_value(response.body, "probe_sftp_success") == 0);
  CHECK(failure_reason_of(response.body) == expected.reason);
  // The login worked: what failed is the SFTP check.
  CHECK(count_series(response.body, "probe_ssh_host_key_info") == 1);
  if (expected.fast) {
    CHECK(elapsed < kFailsFast);
  } else {
    CHECK(elapsed >= kTimeout);
  }
  CHECK(elapsed <= kTimeout + kSlack);
  CHECK(exporter.peak_rss_kb() - rss_before_kb < kMaxGrowthKb);
  CHECK(eventually([&] { return exporter.open_fds() <= fds_before; }, 5s));
  INFO("descriptors: " << exporter.open_fds() << ", before " << fds_before);
  CHECK(exporter.running());
}
