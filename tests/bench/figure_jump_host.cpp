// Figure 10: the cost of one jump host. The same probe (key login + `true`) through a bastion and direct, in
// the same repetition: exporter CPU per probe and sequential p50 latency, with direct as the baseline.
#include "bench/figures.hpp"
#include "bench/probe_batch.hpp"
#include "bench/process_stats.hpp"
#include "support/probe_bed.hpp"
#include "support/sshd.hpp"

namespace spe::bench {
namespace {

constexpr std::size_t kClients = 16;

std::string phase_medians(const BatchResult& batch) {
  std::string text;
  for (const auto& [phase, ms] : batch.phase_ms) text += printf_text(" %s %.1f ms", phase.c_str(), percentile(ms, 50));
  return text;
}

void add_failures(FigureResult& result, const char* what, const BatchResult& batch) {
  for (const auto& failure : batch.failures)
    result.notes.push_back(std::string("  unexpected answer (") + what + "): " + failure);
}

// CPU (16 clients) and sequential latency, direct and through the bastion, each repetition measuring both.
void cost_of_a_hop(BenchBed& bed, const test::TestSshd& bastion, FigureResult& result) {
  const std::size_t cpu_probes = bed.options().quick ? 100 : 300;
  const std::size_t sequential = bed.options().quick ? 30 : 100;
  // The hop module's table goes on with the jump_hosts line: the same probe as the direct one, through it.
  auto exporter = bed.start_exporter("figure10.toml", test::jump_host_table(bastion, "bastion") +
                                                          bed.login_module("direct") + bed.login_module("hop") +
                                                          "jump_hosts = [\"bastion\"]\n");
  const std::string direct = bed.probe_path("direct");
  const std::string hop = bed.probe_path("hop");
  run_probe_batch(*exporter, direct, 32, kClients);
  run_probe_batch(*exporter, hop, 32, kClients);

  Row cpu{"10a", "one hop: exporter CPU per successful probe", "ms", {}, {}, "direct", {}, 3};
  Row p50{"10b", "one hop: sequential probe latency p50", "ms", {}, {}, "direct", {}, 1};
  for (int rep = 1; rep <= bed.options().reps; ++rep) {
    const std::string load = load_average();
    const BatchResult cpu_direct = run_probe_batch(*exporter, direct, cpu_probes, kClients);
    const BatchResult cpu_hop = run_probe_batch(*exporter, hop, cpu_probes, kClients);
    const BatchResult seq_direct = run_probe_batch(*exporter, direct, sequential, 1);
    const BatchResult seq_hop = run_probe_batch(*exporter, hop, sequential, 1);
    cpu.values.push_back(cpu_hop.cpu_ms_per_success());
    cpu.baselines.push_back(cpu_direct.cpu_ms_per_success());
    p50.values.push_back(percentile(seq_hop.latency_ms, 50));
    p50.baselines.push_back(percentile(seq_direct.latency_ms, 50));
    result.notes.push_back(printf_text(
        "rep %d: CPU (%zu clients): direct %zu/%zu succeeded, %.3f ms per probe; one hop %zu/%zu, %.3f ms. "
        "Sequential: direct %zu/%zu, p50 %.1f ms, p99 %.1f ms; one hop %zu/%zu, p50 %.1f ms, p99 %.1f ms; load %s",
        rep, kClients, cpu_direct.succeeded, cpu_direct.sent, cpu_direct.cpu_ms_per_success(), cpu_hop.succeeded,
        cpu_hop.sent, cpu_hop.cpu_ms_per_success(), seq_direct.succeeded, seq_direct.sent, p50.baselines.back(),
        percentile(seq_direct.latency_ms, 99), seq_hop.succeeded, seq_hop.sent, p50.values.back(),
        percentile(seq_hop.latency_ms, 99), load.c_str()));
    result.notes.push_back("  median by phase through the hop:" + phase_medians(seq_hop));
    add_failures(result, "direct", cpu_direct);
    add_failures(result, "one hop", cpu_hop);
    add_failures(result, "direct, sequential", seq_direct);
    add_failures(result, "one hop, sequential", seq_hop);
  }
  result.rows.push_back(std::move(cpu));
  result.rows.push_back(std::move(p50));
}

}  // namespace

FigureResult figure_jump_host(BenchBed& bed) {
  const auto bastion = test::TestSshd::start_separate({"AllowTcpForwarding local"});
  FigureResult result;
  cost_of_a_hop(bed, *bastion, result);
  result.notes.push_back(
      printf_text("the bastion opened %zu direct-tcpip channels to the test sshd", bastion->forwards_opened()));
  return result;
}

}  // namespace spe::bench
