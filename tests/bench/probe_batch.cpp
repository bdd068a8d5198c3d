#include "bench/probe_batch.hpp"

#include <algorithm>
#include <cmath>

#include "bench/bench_bed.hpp"
#include "bench/process_stats.hpp"

namespace spe::bench {
namespace {

constexpr std::size_t kFailuresKept = 5;

}  // namespace

BatchResult run_probe_batch(test::ExporterProcess& exporter, const std::string& path, std::size_t probes,
                            std::size_t connections) {
  BatchResult result;
  LoadPlan plan;
  plan.requests = probes;
  plan.connections = connections;
  const auto cpu_before = process_cpu_precise(exporter.pid());
  const auto start = Clock::now();
  result.sent = run_load(
      exporter.port(), plan, [&path](std::size_t) { return path; },
      [&result](std::size_t, Answer&& answer) {
        const ProbeOutcome outcome = read_outcome(answer);
        if (outcome.success) {
          ++result.succeeded;
          result.latency_ms.push_back(std::chrono::duration<double, std::milli>(answer.done - answer.sent).count());
          for (const auto& [phase, seconds] : outcome.phase_seconds) {
            result.phase_ms[phase].push_back(1000 * seconds);
          }
          return;
        }
        ++result.failed;
        if (result.failures.size() < kFailuresKept) {
          result.failures.push_back("status " + std::to_string(answer.status) + " " + answer.error +
                                    " reason=" + outcome.reason);
        }
      });
  result.wall_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.exporter_cpu_seconds = process_cpu_precise(exporter.pid()) - cpu_before;
  return result;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::ranges::sort(values);
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100 * static_cast<double>(values.size())));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

}  // namespace spe::bench
