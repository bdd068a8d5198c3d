// Figures 4, 5 and 11: many probes in flight at once against a hostile server. 4: 1,000 against a server stuck
// in key exchange with a 2 s deadline; 5: 10,000 against a silent server; 11: 1,000 through one jump host
// against a server stuck in key exchange. Peak RSS, and how far past the deadline the answers come, as the
// client sees it and as the exporter reports it.
#include <algorithm>

#include "bench/figures.hpp"
#include "bench/in_flight.hpp"
#include "bench/process_stats.hpp"

namespace spe::bench {
namespace {

constexpr double kMegabyte = 1e6;

double megabytes(long kb) { return static_cast<double>(kb) * 1024 / kMegabyte; }

std::string describe(int rep, const InFlightRun& run) {
  return printf_text(
      "rep %d: %zu/%zu timed out as expected; %zu/%zu answers within deadline + 25 ms; server accepted %zu "
      "connections; idle RSS %.1f MB, peak %.1f MB; worst overshoot %.1f ms (client), %.1f ms (exporter's "
      "probe_duration_seconds); load %s before, %s after",
      rep, run.timed_out, run.probes, run.within_25ms, run.probes, run.server_connections, megabytes(run.idle_rss_kb),
      megabytes(run.peak_rss_kb), run.worst_client_overshoot_ms, run.worst_exporter_overshoot_ms,
      run.load_before.c_str(), run.load_after.c_str());
}

// What every in-flight figure takes from one repetition's run: peak RSS beside the idle RSS, the worst
// overshoot by the client's clock and by the exporter's, and the notes on the run.
void record(int rep, const InFlightRun& run, Row& rss, Row& client, Row& own, FigureResult& result) {
  rss.values.push_back(megabytes(run.peak_rss_kb));
  rss.baselines.push_back(megabytes(run.idle_rss_kb));
  client.values.push_back(run.worst_client_overshoot_ms);
  own.values.push_back(run.worst_exporter_overshoot_ms);
  result.notes.push_back(describe(rep, run));
  if (run.unexpected_count == 0) return;
  result.notes.push_back("  " + std::to_string(run.unexpected_count) + " unexpected answers, e.g.:");
  for (const auto& line : run.unexpected) result.notes.push_back("    " + line);
}

// The exporter holds ~3 descriptors per probe (HTTP connection, socket, libssh's dup); this process holds
// 2 (the client connection and the silent server's end). Both run under the same limit.
std::size_t probes_within_fd_limit() {
  constexpr unsigned long kSpare = 256;
  const unsigned long limit = current_fd_limit();
  return limit <= kSpare ? 0 : (limit - kSpare) / 3;
}

std::string median_load(const std::vector<double>& loads) {
  return printf_text("load avg %.2f at start", summarise(loads).median);
}

}  // namespace

FigureResult figure_stuck_in_kex(BenchBed& bed) {
  constexpr std::size_t kProbes = 1000;
  Row rss{"4a", "1,000 in flight, stuck in kex: peak RSS", "MB", {}, {}, "idle", {}, 1};
  rss.target = Target{Target::Of::value, Target::Compare::at_most, 32, "<= 32 MB"};
  Row client{"4b", "1,000 in flight: worst overshoot, client", "ms", {}, {}, "", {}, 1};
  client.target = Target{Target::Of::value, Target::Compare::at_most, 25, "<= 25 ms (idle machine)"};
  Row own{"4c", "1,000 in flight: worst overshoot, exporter's own", "ms", {}, {}, "", {}, 1};
  Row timed_out{"4d", "1,000 in flight: answered with timeout", "probes", {}, {}, "", {}, 0};
  timed_out.target = Target{Target::Of::value, Target::Compare::at_least, kProbes, "all 1,000"};
  std::vector<double> loads;
  FigureResult result;
  for (int rep = 1; rep <= bed.options().reps; ++rep) {
    loads.push_back(load_average_1m());
    const InFlightRun run = run_in_flight(bed, test::Misbehaviour::stuck_in_kex, kProbes, std::chrono::seconds{2});
    timed_out.values.push_back(static_cast<double>(run.timed_out));
    record(rep, run, rss, client, own, result);
  }
  client.baseline_name = median_load(loads);
  own.baseline_name = client.baseline_name;
  result.rows = {std::move(rss), std::move(client), std::move(own), std::move(timed_out)};
  return result;
}

FigureResult figure_silent_10k(BenchBed& bed) {
  const std::size_t wanted = bed.options().quick ? 2000 : 10000;
  const std::size_t probes = std::min(wanted, probes_within_fd_limit());
  const std::string count = printf_text("%zu", probes);
  Row answered{"5a", count + " in flight, silent: answered with timeout", "probes", {}, {}, "", {}, 0};
  answered.target = Target{Target::Of::value, Target::Compare::at_least, static_cast<double>(probes), "all " + count};
  Row rss{"5b", count + " in flight: peak RSS", "MB", {}, {}, "idle", {}, 1};
  Row client{"5c", count + " in flight: worst overshoot, client", "ms", {}, {}, "", {}, 1};
  Row own{"5d", count + " in flight: worst overshoot, exporter's own", "ms", {}, {}, "", {}, 1};
  std::vector<double> loads;
  FigureResult result;
  for (int rep = 1; rep <= bed.options().reps; ++rep) {
    loads.push_back(load_average_1m());
    const InFlightRun run = run_in_flight(bed, test::Misbehaviour::silent, probes, std::chrono::seconds{5});
    answered.values.push_back(static_cast<double>(run.timed_out));
    record(rep, run, rss, client, own, result);
  }
  if (probes < wanted) {
    result.notes.push_back(
        printf_text("only %zu of %zu probes: the file descriptor limit is %lu and cannot be "
                    "raised here (no CAP_SYS_RESOURCE); the exporter needs ~3 per probe",
                    probes, wanted, current_fd_limit()));
  }
  client.baseline_name = median_load(loads);
  own.baseline_name = client.baseline_name;
  result.rows = {std::move(answered), std::move(rss), std::move(client), std::move(own)};
  return result;
}

FigureResult figure_hop_in_flight(BenchBed& bed) {
  const std::size_t probes = bed.options().quick ? 200 : 1000;
  // Every probe logs in to the bastion before it reaches the target, 1,000 logins arriving together: the
  // deadline leaves the bastion sshd time to serve them all (tens of seconds of its CPU on an idle machine), so
  // that it expires with every probe stuck at the target, as figure 4's do; row d counts those that were.
  const auto deadline = bed.options().quick ? std::chrono::seconds{20} : std::chrono::seconds{60};
  // MaxStartups lets all of them wait unauthenticated at once (the default, 10:30:100, drops beyond 10).
  const auto bastion = test::TestSshd::start_separate(
      {"AllowTcpForwarding local", "MaxStartups " + std::to_string(probes + 100)});
  const std::string count = printf_text("%zu", probes);
  Row rss{"11a", count + " in flight through one hop, stuck in kex: peak RSS", "MB", {}, {}, "idle", {}, 1};
  Row client{"11b", count + " in flight through one hop: worst overshoot, client", "ms", {}, {}, "", {}, 1};
  Row own{"11c", count + " in flight through one hop: worst overshoot, exporter's own", "ms", {}, {}, "", {}, 1};
  Row stuck{"11d", count + " in flight through one hop: timed out past the hop", "probes", {}, {}, "", {}, 0};
  stuck.target = Target{Target::Of::value, Target::Compare::at_least, static_cast<double>(probes), "all " + count};
  std::vector<double> loads;
  FigureResult result;
  for (int rep = 1; rep <= bed.options().reps; ++rep) {
    loads.push_back(load_average_1m());
    const InFlightRun run = run_in_flight(bed, test::Misbehaviour::stuck_in_kex, probes, deadline, bastion.get());
    stuck.values.push_back(static_cast<double>(run.timed_out_past_hops));
    record(rep, run, rss, client, own, result);
    result.notes.push_back(
        printf_text("  %zu of the timeouts past the bastion (probe_ssh_hop_success 1)", run.timed_out_past_hops));
  }
  result.notes.push_back(
      printf_text("the bastion opened %zu direct-tcpip channels to the stuck server", bastion->forwards_opened()));
  client.baseline_name = median_load(loads);
  own.baseline_name = client.baseline_name;
  result.rows = {std::move(rss), std::move(client), std::move(own), std::move(stuck)};
  return result;
}

}  // namespace spe::bench
