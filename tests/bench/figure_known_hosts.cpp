// Figure 7: the cost of host key verification against the size of known_hosts. One exporter with two
// modules that differ only in their known_hosts file (the sshd's one line, or 10,000 lines with the
// target's near the end); each repetition runs a batch of each and compares CPU per probe.
#include "bench/figures.hpp"
#include "bench/known_hosts_file.hpp"
#include "bench/probe_batch.hpp"
#include "bench/process_stats.hpp"

namespace spe::bench {
namespace {

constexpr std::size_t kClients = 16;
constexpr std::size_t kLines = 10'000;

// ssh-keygen -F must find the target in the big file exactly once, or the figure measures nothing.
std::string check_big_file(test::TestSshd& sshd, const std::string& path) {
  const std::string host = "[127.0.0.1]:" + std::to_string(sshd.port());
  const auto found = test::run_command({"ssh-keygen", "-F", host, "-f", path}, "", std::chrono::seconds{30});
  std::size_t matches = 0;
  for (std::size_t at = found.output.find(sshd.host_public_key()); at != std::string::npos;
       at = found.output.find(sshd.host_public_key(), at + 1)) {
    ++matches;
  }
  if (found.exit_code != 0 || matches != 1) {
    return "ssh-keygen -F " + host + " found " + std::to_string(matches) + " entries (exit " +
           std::to_string(found.exit_code) + ")";
  }
  return "";
}

}  // namespace

FigureResult figure_known_hosts(BenchBed& bed) {
  const std::size_t probes = bed.options().quick ? 100 : 200;
  const std::string big = (bed.dir() / "known_hosts_10000").string();
  write_big_known_hosts(big, kLines,
                        "[127.0.0.1]:" + std::to_string(bed.sshd().port()) + " " + bed.sshd().host_public_key());
  FigureResult result;
  if (const std::string problem = check_big_file(bed.sshd(), big); !problem.empty()) {
    result.notes.push_back("the generated known_hosts is wrong: " + problem);
    return result;
  }
  auto exporter = bed.start_exporter("figure7.toml", bed.login_module("small") + bed.login_module("big", big));
  const std::string small_path = bed.probe_path("small");
  const std::string big_path = bed.probe_path("big");
  run_probe_batch(*exporter, small_path, 16, kClients);
  run_probe_batch(*exporter, big_path, 16, kClients);

  Row row{"7", "CPU per probe, 10,000-line known_hosts", "ms", {}, {}, "1 line", {}, 3};
  row.target = Target{Target::Of::ratio, Target::Compare::below, 1.10, "< 10% apart"};
  for (int rep = 1; rep <= bed.options().reps; ++rep) {
    const std::string load = load_average();
    const BatchResult small = run_probe_batch(*exporter, small_path, probes, kClients);
    const BatchResult large = run_probe_batch(*exporter, big_path, probes, kClients);
    row.values.push_back(large.cpu_ms_per_success());
    row.baselines.push_back(small.cpu_ms_per_success());
    result.notes.push_back(printf_text(
        "rep %d: 1 line: %zu/%zu succeeded, %.3f ms CPU per probe; 10,000 lines: %zu/%zu succeeded, %.3f ms; "
        "load %s",
        rep, small.succeeded, small.sent, small.cpu_ms_per_success(), large.succeeded, large.sent,
        large.cpu_ms_per_success(), load.c_str()));
    for (const auto& failure : small.failures) result.notes.push_back("  unexpected answer (1 line): " + failure);
    for (const auto& failure : large.failures)
      result.notes.push_back("  unexpected answer (10,000 lines): " + failure);
  }
  result.rows.push_back(std::move(row));
  return result;
}

}  // namespace spe::bench
