// Figure 3: sequential probe latency (key login + `true`, one client, one probe at a time), p50 and p99 as
// the client sees it (request written -> answer read).
#include "bench/figures.hpp"
#include "bench/probe_batch.hpp"
#include "bench/process_stats.hpp"

namespace spe::bench {

FigureResult figure_latency(BenchBed& bed) {
  const std::size_t probes = bed.options().quick ? 50 : 200;
  auto exporter = bed.start_exporter("figure3.toml", bed.login_module("login"));
  const std::string path = bed.probe_path("login");
  run_probe_batch(*exporter, path, 5, 1);

  Row p50{"3a", "sequential probe latency p50", "ms", {}, {}, "", {}, 1};
  p50.target = Target{Target::Of::value, Target::Compare::at_most, 30, "<= 30 ms"};
  Row p99{"3b", "sequential probe latency p99", "ms", {}, {}, "", {}, 1};
  FigureResult result;
  for (int rep = 1; rep <= bed.options().reps; ++rep) {
    const BatchResult batch = run_probe_batch(*exporter, path, probes, 1);
    p50.values.push_back(percentile(batch.latency_ms, 50));
    p99.values.push_back(percentile(batch.latency_ms, 99));
    result.notes.push_back(
        printf_text("rep %d: %zu/%zu succeeded, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms; "
                    "load %s",
                    rep, batch.succeeded, batch.sent, p50.values.back(), percentile(batch.latency_ms, 90),
                    p99.values.back(), percentile(batch.latency_ms, 100), load_average().c_str()));
    std::string phases = "  median by phase (the exporter's probe_ssh_duration_seconds):";
    for (const auto& [phase, ms] : batch.phase_ms)
      phases += printf_text(" %s %.1f ms", phase.c_str(), percentile(ms, 50));
    result.notes.push_back(phases);
    for (const auto& failure : batch.failures) result.notes.push_back("  unexpected answer: " + failure);
  }
  result.rows.push_back(std::move(p50));
  result.rows.push_back(std::move(p99));
  return result;
}

}  // namespace spe::bench
