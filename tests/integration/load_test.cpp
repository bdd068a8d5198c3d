// 1,000 probes in flight at once against a silent server: every one must end in a timeout near
// its deadline, and the exporter must go on serving.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>

#include "integration/probe_bed.hpp"
#include "support/adversarial.hpp"

using namespace spe::test;

TEST_CASE("1000 concurrent probes of a silent server all time out by the deadline", "[load]") {
  constexpr int kProbes = 1000;
  AdversarialServer silent(Misbehaviour::silent);
  auto& bed = ProbeBed::shared();
  TempDir dir{"spe-load"};
  const auto config = dir.path() / "exporter.toml";
  write_file(config, "[modules.default]\nuser = \"probe\"\npassword = \"x\"\n"
                     "insecure_ignore_host_key = true\ntimeout = \"2s\"\n");
  ExporterProcess exporter(config.string());

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
  std::cout << "load: " << ok << "/" << kProbes << " timed out as expected; slowest answer "
            << slowest.count() << " ms (deadline 2000 ms); exporter peak RSS " << peak_rss / 1024.0
            << " MiB; silent server saw " << silent.connections() << " connections\n";
  CHECK(ok == kProbes);
  CHECK(slowest < std::chrono::seconds(5));
  CHECK(exporter.running());

  // The exporter under load still completes real probes: a login elsewhere, and an auth failure here.
  const auto after = http_get(bed.exporter().port(), "/probe?target=" + bed.sshd().target() + "&module=key");
  CHECK(metric_value(after.body, "probe_success") == 1);
  const auto same = http_get(exporter.port(), "/probe?target=" + bed.sshd().target());
  CHECK(same.status == 200);
  CHECK(failure_reason_of(same.body) == "auth");
}
