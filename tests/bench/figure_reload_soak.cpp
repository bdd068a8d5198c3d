// Figure 9: reload soak. Reloads of a config whose module checks host keys against a 10,000-line
// known_hosts, one after another through POST /-/reload, while 16 clients probe with that module. Run in
// ten rounds: in each, a batch of probes without reloads (the baseline), then the round's reloads with
// probes running beside them, then the exporter's RSS once it is idle. No probe may fail, and RSS after
// the warm-up rounds must stay flat (growth < 5%).
#include <algorithm>
#include <atomic>
#include <thread>

#include "bench/figures.hpp"
#include "bench/known_hosts_file.hpp"
#include "bench/probe_batch.hpp"
#include "bench/process_stats.hpp"
#include "support/http_client.hpp"

namespace spe::bench {
namespace {

constexpr std::size_t kClients = 16;
constexpr std::size_t kLines = 10'000;
constexpr std::size_t kRounds = 10;
constexpr std::size_t kWarmupRounds = 2;
constexpr std::size_t kBatch = 32;  // probes per batch; batches follow each other while the reloads run
constexpr std::size_t kProblemsKept = 5;

struct Round {
  BatchResult baseline;            // probes without reloads
  std::vector<double> latency_ms;  // successful probes while reloading
  std::size_t probes = 0;          // sent while reloading
  std::size_t failed = 0;          // of those, any answer but probe_success 1
  std::vector<double> reload_ms;   // POST /-/reload answered in
  std::size_t reload_failed = 0;   // answers other than 200 "config reloaded (1 modules)"
  long rss_kb = 0;                 // idle, after the round
};

// Probes in batches until `reloads` POSTs, sent one after another by another thread, are all answered.
void reload_while_probing(test::ExporterProcess& exporter, const std::string& path, std::size_t reloads, Round& round,
                          std::vector<std::string>& problems) {
  std::atomic<bool> done{false};
  std::vector<std::string> reload_problems;  // the reloading thread's own, merged after it ends
  std::thread reloader([&] {
    for (std::size_t i = 0; i < reloads; ++i) {
      const auto start = Clock::now();
      const auto answer = test::http_request(exporter.port(), "POST", "/-/reload", {}, "", std::chrono::seconds{60});
      round.reload_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      if (answer.status != 200 || answer.body != "config reloaded (1 modules)\n") {
        ++round.reload_failed;
        if (reload_problems.size() < kProblemsKept) {
          reload_problems.push_back("reload: status " + std::to_string(answer.status) + " " + answer.error + " " +
                                    answer.body);
        }
      }
    }
    done = true;
  });
  do {  // at least one batch, however fast the reloads
    const BatchResult batch = run_probe_batch(exporter, path, kBatch, kClients);
    round.probes += batch.sent;
    round.failed += batch.failed;
    round.latency_ms.insert(round.latency_ms.end(), batch.latency_ms.begin(), batch.latency_ms.end());
    for (const auto& failure : batch.failures) {
      if (problems.size() < kProblemsKept) problems.push_back("probe during reloads: " + failure);
    }
  } while (!done);
  reloader.join();
  for (auto& problem : reload_problems) {
    if (problems.size() < kProblemsKept) problems.push_back(std::move(problem));
  }
}

}  // namespace

FigureResult figure_reload_soak(BenchBed& bed) {
  const std::size_t reloads = bed.options().quick ? 20 : 200;
  const std::size_t baseline_probes = bed.options().quick ? kBatch : kBatch * 2;
  const std::size_t per_round = reloads / kRounds;
  const std::string big = (bed.dir() / "known_hosts_reload").string();
  write_big_known_hosts(big, kLines,
                        "[127.0.0.1]:" + std::to_string(bed.sshd().port()) + " " + bed.sshd().host_public_key());
  auto exporter = bed.start_exporter("figure9.toml", bed.login_module("big", big));
  const std::string path = bed.probe_path("big");
  run_probe_batch(*exporter, path, kBatch, kClients);  // warm the exporter and sshd

  std::vector<Round> rounds(kRounds);
  std::vector<std::string> problems;
  const auto start = Clock::now();
  const std::string load_start = load_average();
  for (Round& round : rounds) {
    round.baseline = run_probe_batch(*exporter, path, baseline_probes, kClients);
    for (const auto& failure : round.baseline.failures) {
      if (problems.size() < kProblemsKept) problems.push_back("probe without reloads: " + failure);
    }
    reload_while_probing(*exporter, path, per_round, round, problems);
    round.rss_kb = idle_sample(exporter->pid()).rss_kb;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

  const std::string count = std::to_string(reloads);
  Row latency{"9a", "reload soak: probe p50 during " + count + " reloads", "ms", {}, {}, "without reloads", {}, 1};
  Row failed{"9b",
             "reload soak: probes and reloads failed",
             "count",
             {},
             {},
             "without reloads",
             Target{Target::Of::value, Target::Compare::at_most, 0, "0"},
             0};
  Row answer{"9c", "reload soak: POST /-/reload answer p50", "ms", {}, {}, "", {}, 1};
  std::size_t probes = 0, failures = 0, baseline_failures = 0, reload_failures = 0;
  std::string trajectory = "  RSS kB after each round:";
  for (const Round& round : rounds) {
    latency.values.push_back(percentile(round.latency_ms, 50));
    latency.baselines.push_back(percentile(round.baseline.latency_ms, 50));
    answer.values.push_back(percentile(round.reload_ms, 50));
    probes += round.probes;
    failures += round.failed;
    baseline_failures += round.baseline.failed;
    reload_failures += round.reload_failed;
    trajectory += printf_text(" %ld", round.rss_kb);
  }
  // One total, not a median over rounds: a single failed probe or reload misses the target.
  failed.values.push_back(static_cast<double>(failures + reload_failures));
  failed.baselines.push_back(static_cast<double>(baseline_failures));
  const long warm = rounds.at(kWarmupRounds - 1).rss_kb;
  const long end = rounds.back().rss_kb;
  Row rss{"9d",
          "reload soak: RSS growth after warm-up",
          "%",
          {growth_percent(warm, end)},
          {},
          "",
          Target{Target::Of::value, Target::Compare::below, 5, "< 5%"},
          1};

  FigureResult result;
  result.notes.push_back(printf_text("one run of %zu reloads in %zu rounds, %.0f s; load %s at start, %s at end",
                                     reloads, kRounds, seconds, load_start.c_str(), load_average().c_str()));
  result.notes.push_back(
      printf_text("  probes: %zu during reloads (%zu failed), %zu without (%zu failed); reloads "
                  "not answered 200: %zu",
                  probes, failures, kRounds * baseline_probes, baseline_failures, reload_failures));
  result.notes.push_back(printf_text("  RSS %ld kB after warm-up (%zu reloads), %ld kB at the end", warm,
                                     kWarmupRounds * per_round, end));
  result.notes.push_back(trajectory);
  for (const auto& problem : problems) result.notes.push_back("  unexpected: " + problem);
  result.rows = {std::move(latency), std::move(failed), std::move(answer), std::move(rss)};
  return result;
}

}  // namespace spe::bench
