// The history's memory against the real exporter: what it keeps of a probe must not grow with the
// configs reloaded since (a large known_hosts file parsed by each) nor with the series the probes
// produced. Each test starts its own exporter with the default history flags and reads its RSS.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "support/probe_bed.hpp"

using namespace spe::test;
using namespace std::chrono_literals;

namespace {

// [modules.m] logging in to the test sshd with its key, checked against `known_hosts`, and `extra`.
std::string key_module(const std::string& known_hosts, const std::string& extra = "") {
  auto& sshd = TestSshd::shared();
  return "[modules.m]\nuser = " + toml_string(sshd.user()) + "\nprivate_key = " + toml_string(sshd.key_path()) +
         "\nknown_hosts = " + toml_string(known_hosts) + "\n" + extra;
}

// `lines` other hosts, then the test sshd's own line: about 100 bytes a line.
std::string big_known_hosts(int lines) {
  auto& sshd = TestSshd::shared();
  const std::string key = " " + sshd.host_public_key() + "\n";
  std::string text;
  for (int i = 0; i < lines; ++i) text += "host" + std::to_string(i) + ".example.net" + key;
  return text + "[" + sshd.host() + "]:" + std::to_string(sshd.port()) + key;
}

double probe_success(const HttpResponse& response) {
  return metric_value(response.body, "probe_success").value_or(-1);
}

std::string mib(long kb) { return std::to_string(kb / 1024) + " MiB"; }

}  // namespace

TEST_CASE("history: reloads of a config with a large known_hosts do not pile up in memory", "[integration]") {
  TempDir dir{"spe-history-reload"};
  const auto known_hosts = (dir.path() / "known_hosts").string();
  const std::string text = big_known_hosts(40'000);
  write_file(known_hosts, text);
  const auto config = (dir.path() / "exporter.toml").string();
  write_file(config, key_module(known_hosts));
  ExporterProcess exporter(config);
  const std::string probe = "/probe?module=m&target=" + TestSshd::shared().target();
  const auto reload_and_probe = [&] {
    const auto reloaded = http_request(exporter.port(), "POST", "/-/reload", {}, "", 20s);
    REQUIRE(reloaded.status == 200);
    const auto probed = http_get(exporter.port(), probe, {}, 20s);
    REQUIRE(probed.status == 200);
    REQUIRE(probe_success(probed) == 1);
  };
  const long started = exporter.rss_kb();
  // Warm-up: a reload holds two configs at once, and the allocator keeps what it freed.
  for (int i = 0; i < 3; ++i) reload_and_probe();
  const long warm = exporter.rss_kb();
  constexpr int kRounds = 12;
  for (int i = 0; i < kRounds; ++i) reload_and_probe();
  const long after = exporter.rss_kb();
  WARN("known_hosts " << text.size() / 1024 << " KiB; exporter RSS at start " << mib(started) << ", after 3 rounds "
                      << mib(warm) << ", after " << kRounds << " more " << mib(after));
#ifndef SPE_SANITIZED
  // A config kept alive by each history entry grows RSS by a parsed known_hosts a round.
  CHECK(after - warm < 32 * 1024);
#endif
}

TEST_CASE("history: parallel probes of a module with many series keep a bounded history", "[integration]") {
  TempDir dir{"spe-history-series"};
  const auto config = (dir.path() / "exporter.toml").string();
  // 10,000 series, 0.22 MB of output and of metrics text a probe.
  const std::string command = "awk 'BEGIN { for (i = 0; i < 10000; i++) printf \"many{i=\\\"%d\\\"} %d\\n\", i, i }'";
  write_file(config, key_module(TestSshd::shared().known_hosts_path(),
                                "timeout = \"5s\"\n[[modules.m.commands]]\nname = \"many\"\ncommand = " +
                                    toml_string(command) + "\nformat = \"prometheus\"\nmax_output_bytes = 4194304\n"));
  ExporterProcess exporter(config);
  // A probe of this much output now and then stalls in the commands phase until its deadline (a
  // problem of the probe, before the history changed too): a short timeout keeps such a round
  // short, and the test counts the probes that got their series.
  const std::vector<std::string> probes(2, "/probe?module=m&target=" + TestSshd::shared().target());
  const long started = exporter.rss_kb();
  long after_first = 0;
  int with_series = 0;
  constexpr int kRounds = 15;
  for (int round = 0; round < kRounds; ++round) {
    for (const TimedResponse& done : http_get_concurrent(exporter.port(), probes, 30s)) {
      INFO(done.response.error);
      REQUIRE(done.response.status == 200);
      // Searched, not parsed: parsing 30 answers of 10,000 series would take the test seconds.
      const bool complete = done.response.body.find("\nprobe_success 1\n") != std::string::npos &&
                            done.response.body.find("\nmany{i=\"9999\"} 9999\n") != std::string::npos;
      with_series += complete ? 1 : 0;
    }
    if (round == 0) after_first = exporter.rss_kb();
  }
  CHECK(with_series >= 2 * kRounds * 2 / 3);
  const auto kept = metric_value(http_get(exporter.port(), "/metrics").body, "ssh_probe_exporter_history_bytes");
  REQUIRE(kept.has_value());
  CHECK(*kept >= with_series * 200'000.0);  // each entry with series keeps its metrics text
  CHECK(*kept <= 64.0 * 1024 * 1024);
  const long after = exporter.rss_kb();
  WARN("exporter RSS at start " << mib(started) << ", after 2 parallel probes " << mib(after_first) << ", after "
                                << 2 * kRounds << " " << mib(after) << " (peak " << mib(exporter.peak_rss_kb())
                                << ")");
  WARN(with_series << " of " << 2 * kRounds << " probes got their series; exporter CPU " << exporter.cpu_seconds()
                   << " s");
#ifndef SPE_SANITIZED
  // The first round leaves the allocator holding what 2 probes in flight needed; a history of
  // whole reports then grows RSS by about 1.7 MB a probe with its series (48 MB for the next 28),
  // one of debug text by 0.22 MB a probe at most.
  CHECK(after - after_first < 24 * 1024);
#endif
}
