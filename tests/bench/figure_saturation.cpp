// Figure 6: saturation. 32 keep-alive clients send probes (key login + `true`) back to back for 20 s;
// probes per second, and the exporter's CPU beside sshd's. sshd forks a process per connection: its CPU is
// the master's own plus that of the children it reaped (cutime + cstime, which take in the grandchildren
// each child reaped), read once sshd has no child left.
#include "bench/figures.hpp"
#include "bench/process_stats.hpp"

namespace spe::bench {
namespace {

constexpr std::size_t kClients = 32;
constexpr std::size_t kMaxProbes = 1'000'000;  // a bound only: the time limit ends the run

struct SaturationRun {
  std::size_t succeeded = 0, failed = 0;
  double seconds = 0;
  double exporter_cpu = 0;
  CpuTimes sshd_cpu;
};

SaturationRun saturate(BenchBed& bed, test::ExporterProcess& exporter, std::chrono::seconds length) {
  SaturationRun run;
  bed.sshd().wait_idle(std::chrono::seconds{10});
  const CpuTimes sshd_before = process_cpu(bed.sshd().pid());
  const double exporter_before = process_cpu_precise(exporter.pid());
  const auto start = Clock::now();
  LoadPlan plan{kMaxProbes, kClients, std::chrono::seconds{30}, start + length};
  const std::string path = bed.probe_path("login");
  run_load(
      exporter.port(), plan, [&path](std::size_t) { return path; },
      [&run](std::size_t, Answer&& answer) {
        if (read_outcome(answer).success) {
          ++run.succeeded;
        } else {
          ++run.failed;
        }
      });
  run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  run.exporter_cpu = process_cpu_precise(exporter.pid()) - exporter_before;
  bed.sshd().wait_idle(std::chrono::seconds{10});
  const CpuTimes sshd_after = process_cpu(bed.sshd().pid());
  run.sshd_cpu = CpuTimes{sshd_after.self - sshd_before.self, sshd_after.children - sshd_before.children};
  return run;
}

}  // namespace

FigureResult figure_saturation(BenchBed& bed) {
  const auto length = std::chrono::seconds{bed.options().quick ? 5 : 20};
  auto exporter = bed.start_exporter("figure6.toml", bed.login_module("login"));
  Row rate{"6a", "saturation, 32 clients: probes per second", "probes/s", {}, {}, "", {}, 1};
  Row cpu{"6b", "saturation: exporter CPU", "s", {}, {}, "sshd", {}, 2};
  cpu.target = Target{Target::Of::ratio, Target::Compare::below, 0.10, "< 10% of sshd's"};
  FigureResult result;
  for (int rep = 1; rep <= bed.options().reps; ++rep) {
    const std::string load = load_average();
    const SaturationRun run = saturate(bed, *exporter, length);
    rate.values.push_back(static_cast<double>(run.succeeded) / run.seconds);
    cpu.values.push_back(run.exporter_cpu);
    cpu.baselines.push_back(run.sshd_cpu.total());
    result.notes.push_back(printf_text(
        "rep %d: %zu succeeded, %zu failed in %.1f s; exporter %.2f s CPU (%.3f ms per probe); sshd %.2f s CPU "
        "(master %.2f s, reaped children %.2f s: %.2f ms per probe); load %s",
        rep, run.succeeded, run.failed, run.seconds, run.exporter_cpu,
        run.succeeded ? 1000 * run.exporter_cpu / static_cast<double>(run.succeeded) : 0.0, run.sshd_cpu.total(),
        run.sshd_cpu.self, run.sshd_cpu.children,
        run.succeeded ? 1000 * run.sshd_cpu.total() / static_cast<double>(run.succeeded) : 0.0, load.c_str()));
    if (run.succeeded > 0 && run.sshd_cpu.children <= 0) {
      result.notes.push_back(
          "  sshd's reaped children show no CPU: the sshd figure misses the per-connection "
          "processes");
    }
  }
  result.rows = {std::move(rate), std::move(cpu)};
  return result;
}

}  // namespace spe::bench
