// 1,000 probes in flight at once against a silent server: every one must end in a timeout near
// its deadline, and the exporter must go on serving.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>

#include "support/adversarial.hpp"
#include "support/probe_bed.hpp"

using namespace spe::test;

TEST_CASE("1000 concurrent probes of a silent server all time out by the deadline", "[load][concurrency]") {
  constexpr int kProbes = 1000;
  AdversarialServer silent(Misbehaviour::silent);
  auto& bed = ProbeBed::shared();
  TempDir dir{"spe-load"};
  const auto config = dir.path() / "exporter.toml";
  write_file(config,
             "[modules.default]\nuser = \"probe\"\npassword = \"x\"\n"
             "insecure_ignore_host_key = true\ntimeout = \"2s\"\n\n"
             "[modules.login]\nuser = " +
                 toml_string(bed.sshd().user()) + "\nprivate_key = " + toml_string(bed.sshd().key_path()) +
                 "\nknown_hosts = " + toml_string(bed.sshd().known_hosts_path()) + "\n");
  ExporterProcess exporter(config.string());

  const auto fds_before = metric_value(http_get(exporter.port(), "/metrics").body, "process_open_fds");
  REQUIRE(fds_before);
  const std::vector<std::string> targets(kProbes, "/probe?target=127.0.0.1:" + std::to_string(silent.port()));
  const auto results = http_get_concurrent(exporter.port(), targets, std::chrono::seconds(10));

  int ok = 0;
  std::chrono::milliseconds slowest{0};
  for (const auto& result : results) {
    slowest = std::max(slowest, result.elapsed);
    if (result.response.status == 200 && metric_value(result.response.body, "probe_success") == 0 &&
        failure_reason_of(result.response.body) == "timeout") {
      ++ok;
    } else {
      UNSCOPED_INFO("unexpected: status " << result.response.status << " " << result.response.error);
    }
  }
  const long peak_rss = exporter.peak_rss_kb();
  std::cout << "load: " << ok << "/" << kProbes << " timed out as expected; slowest answer " << slowest.count()
            << " ms (deadline 2000 ms); exporter peak RSS " << peak_rss / 1024.0 << " MiB; silent server saw "
            << silent.connections() << " connections\n";
  CHECK(ok == kProbes);
#ifndef SPE_SANITIZED
  // A sanitized exporter runs several times slower; that build checks for reports, not for speed.
  CHECK(slowest < std::chrono::seconds(5));
#endif
  CHECK(exporter.running());

  // And the exporter that carried the load answers the next probe normally.
  const auto after = http_get(exporter.port(), "/probe?target=" + bed.sshd().target() + "&module=login");
  CHECK(after.status == 200);
  CHECK(metric_value(after.body, "probe_success") == 1);
  const auto metrics = http_get(exporter.port(), "/metrics").body;
  CHECK(metric_value(metrics, "ssh_probe_exporter_probes_in_flight") == 0);
  // Every probe closed both its descriptors (the socket and libssh's dup of it).
  CHECK(metric_value(metrics, "process_open_fds").value_or(1e9) <= *fds_before + 4);
  CHECK(metric_value(metrics, "ssh_probe_exporter_probes_total", {{"module", "default"}, {"result", "failure"}}) ==
        kProbes);
}
