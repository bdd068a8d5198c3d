// Figure 2: the same probe (key login + `true`) done by the plain OpenSSH client, the baseline a user
// would otherwise script: wall time and CPU per probe, each beside the exporter's in the same repetition.
#include "bench/figures.hpp"
#include "bench/probe_batch.hpp"
#include "bench/process_stats.hpp"

namespace spe::bench {
namespace {

struct ClientRun {
  std::size_t succeeded = 0;
  std::string first_failure;
  double wall_ms = 0;  // per probe
  double cpu_ms = 0;   // per probe, the ssh process (user + system)
};

// `ssh -o BatchMode=yes ... true` with no user config, the test key and the sshd's known_hosts; with
// kex_algorithms set, `-o KexAlgorithms=<it>` too.
ClientRun run_ssh_client(test::TestSshd& sshd, std::size_t probes, const std::string& kex_algorithms = "") {
  std::vector<std::string> argv{"ssh",
                                "-F",
                                "/dev/null",
                                "-o",
                                "BatchMode=yes",
                                "-o",
                                "IdentitiesOnly=yes",
                                "-o",
                                "IdentityAgent=none",
                                "-o",
                                "StrictHostKeyChecking=yes",
                                "-o",
                                "UserKnownHostsFile=" + sshd.known_hosts_path(),
                                "-o",
                                "GlobalKnownHostsFile=/dev/null",
                                "-i",
                                sshd.key_path(),
                                "-p",
                                std::to_string(sshd.port())};
  if (!kex_algorithms.empty()) argv.insert(argv.end(), {"-o", "KexAlgorithms=" + kex_algorithms});
  argv.insert(argv.end(), {sshd.user() + "@127.0.0.1", "true"});
  ClientRun run;
  const double cpu_before = reaped_children_cpu();
  const auto start = Clock::now();
  for (std::size_t i = 0; i < probes; ++i) {
    const auto result = test::run_command(argv, "", std::chrono::seconds{30});
    if (result.exit_code == 0) {
      ++run.succeeded;
    } else if (run.first_failure.empty()) {
      run.first_failure = "exit " + std::to_string(result.exit_code) + ": " + result.output;
    }
  }
  const double wall = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  run.wall_ms = wall / static_cast<double>(probes);
  run.cpu_ms = 1000 * (reaped_children_cpu() - cpu_before) / static_cast<double>(probes);
  return run;
}

double mean(const std::vector<double>& values) {
  double sum = 0;
  for (const double v : values) sum += v;
  return values.empty() ? 0 : sum / static_cast<double>(values.size());
}

// What libssh 0.10 negotiates with OpenSSH 9.2; OpenSSH's own client prefers sntrup761x25519-sha512,
// whose key generation costs far more CPU.
constexpr const char* kExporterKex = "curve25519-sha256";

}  // namespace

FigureResult figure_ssh_client(BenchBed& bed) {
  const std::size_t probes = bed.options().quick ? 10 : 20;
  auto exporter = bed.start_exporter("figure2.toml", bed.login_module("login"));
  const std::string path = bed.probe_path("login");
  run_probe_batch(*exporter, path, 5, 1);
  run_ssh_client(bed.sshd(), 2);

  Row wall{"2a", "sequential probe wall time: exporter vs ssh", "ms", {}, {}, "ssh client", {}, 1};
  Row cpu{"2b", "probe CPU: exporter vs ssh", "ms", {}, {}, "ssh client", {}, 3};
  Row same_kex{"2c", "probe CPU: exporter vs ssh at equal kex", "ms", {}, {}, "ssh, curve25519-sha256", {}, 3};
  FigureResult result;
  for (int rep = 1; rep <= bed.options().reps; ++rep) {
    const BatchResult ours = run_probe_batch(*exporter, path, probes, 1);
    const ClientRun ssh = run_ssh_client(bed.sshd(), probes);
    const ClientRun ssh_same_kex = run_ssh_client(bed.sshd(), probes, kExporterKex);
    wall.values.push_back(mean(ours.latency_ms));
    wall.baselines.push_back(ssh.wall_ms);
    cpu.values.push_back(ours.cpu_ms_per_success());
    cpu.baselines.push_back(ssh.cpu_ms);
    same_kex.values.push_back(ours.cpu_ms_per_success());
    same_kex.baselines.push_back(ssh_same_kex.cpu_ms);
    result.notes.push_back(printf_text(
        "rep %d: exporter %zu/%zu succeeded, %.1f ms wall and %.3f ms CPU per probe; ssh %zu/%zu succeeded, "
        "%.1f ms wall and %.3f ms CPU per probe (with %s: %zu/%zu, %.1f ms wall, %.3f ms CPU); load %s",
        rep, ours.succeeded, ours.sent, mean(ours.latency_ms), ours.cpu_ms_per_success(), ssh.succeeded, probes,
        ssh.wall_ms, ssh.cpu_ms, kExporterKex, ssh_same_kex.succeeded, probes, ssh_same_kex.wall_ms,
        ssh_same_kex.cpu_ms, load_average().c_str()));
    if (!ssh.first_failure.empty()) result.notes.push_back("  ssh failed: " + ssh.first_failure);
    if (!ssh_same_kex.first_failure.empty()) result.notes.push_back("  ssh failed: " + ssh_same_kex.first_failure);
    for (const auto& failure : ours.failures) result.notes.push_back("  unexpected answer: " + failure);
  }
  result.rows = {std::move(wall), std::move(cpu), std::move(same_kex)};
  return result;
}

}  // namespace spe::bench
