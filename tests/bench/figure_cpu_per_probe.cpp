// Figure 1: exporter CPU per successful probe (key login + `true`) with 16 concurrent keep-alive
// clients, beside the crypto floor of one probe measured by `openssl speed` in the same repetition.
#include "bench/crypto_floor.hpp"
#include "bench/figures.hpp"
#include "bench/probe_batch.hpp"
#include "bench/process_stats.hpp"

namespace spe::bench {
namespace {

constexpr std::size_t kClients = 16;
constexpr std::size_t kWarmupProbes = 32;

}  // namespace

FigureResult figure_cpu_per_probe(BenchBed& bed) {
  const std::size_t probes = bed.options().quick ? 200 : 600;
  auto exporter = bed.start_exporter("figure1.toml", bed.login_module("login"));
  const std::string path = bed.probe_path("login");
  run_probe_batch(*exporter, path, kWarmupProbes, kClients);

  Row row{"1", "exporter CPU per successful probe", "ms", {}, {}, "crypto floor", {}, 3};
  row.target = Target{Target::Of::value, Target::Compare::at_most, 0.5, "<= 0.5 ms"};
  FigureResult result;
  for (int rep = 1; rep <= bed.options().reps; ++rep) {
    const std::string load = load_average();
    const CryptoSpeed speed = measure_crypto_speed();
    const BatchResult batch = run_probe_batch(*exporter, path, probes, kClients);
    row.values.push_back(batch.cpu_ms_per_success());
    row.baselines.push_back(1000 * speed.probe_floor_seconds());
    result.notes.push_back(
        "rep " + std::to_string(rep) + ": " + std::to_string(batch.succeeded) + "/" + std::to_string(batch.sent) +
        " succeeded, " +
        printf_text("%.3f s exporter CPU over %.1f s wall (%.0f probes/s)", batch.exporter_cpu_seconds,
                    batch.wall_seconds, batch.succeeded / batch.wall_seconds) +
        printf_text("; openssl speed: X25519 %.0f/s, Ed25519 sign %.0f/s, verify %.0f/s", speed.x25519_per_second,
                    speed.ed25519_sign_per_second, speed.ed25519_verify_per_second) +
        "; load " + load);
    for (const auto& failure : batch.failures) result.notes.push_back("  unexpected answer: " + failure);
  }
  result.rows.push_back(std::move(row));
  return result;
}

}  // namespace spe::bench
