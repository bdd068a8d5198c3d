#include "bench/in_flight.hpp"

#include <algorithm>

#include "bench/process_stats.hpp"
#include "bench/report.hpp"
#include "support/probe_bed.hpp"

namespace spe::bench {
namespace {

constexpr std::size_t kUnexpectedKept = 5;
constexpr double kSlackMs = 25;

}  // namespace

InFlightRun run_in_flight(BenchBed& bed, test::Misbehaviour misbehaviour, std::size_t probes,
                          std::chrono::milliseconds deadline, const test::TestSshd* through) {
  InFlightRun run;
  run.probes = probes;
  test::AdversarialServer server(misbehaviour);
  const std::string timeout = printf_text("%.3fs", std::chrono::duration<double>(deadline).count());
  std::string config = bed.login_module("login");
  if (through != nullptr) {
    const std::string hop = "jump_hosts = [\"bastion\"]\n";
    // The login module's table goes on with the jump_hosts line.
    config = test::jump_host_table(*through, "bastion") + config + hop +
             BenchBed::adversarial_module("stuck", timeout, hop);
  } else {
    config += BenchBed::adversarial_module("stuck", timeout);
  }
  auto exporter = bed.start_exporter("in_flight.toml", config);
  LoadPlan warmup{1, 1, std::chrono::seconds{30}, {}};
  run_load(
      exporter->port(), warmup, [&bed](std::size_t) { return bed.probe_path("login"); }, [](std::size_t, Answer&&) {});
  run.idle_rss_kb = status_kb(exporter->pid(), "VmRSS");

  const std::string path = bed.probe_path("stuck", "127.0.0.1:" + std::to_string(server.port()));
  const double deadline_ms = std::chrono::duration<double, std::milli>(deadline).count();
  std::vector<Answer> answers;
  answers.reserve(probes);
  run.load_before = load_average();
  // Bodies are parsed after the run, so that the client's own work does not delay the reading of answers.
  run_load(
      exporter->port(), LoadPlan{probes, probes, deadline + std::chrono::seconds{60}, {}},
      [&path](std::size_t) { return path; }, [&answers](std::size_t, Answer&& a) { answers.push_back(std::move(a)); });
  run.load_after = load_average();
  run.peak_rss_kb = status_kb(exporter->pid(), "VmHWM");
  run.server_connections = server.connections();

  for (const Answer& answer : answers) {
    const ProbeOutcome outcome = read_outcome(answer);
    const double overshoot = std::chrono::duration<double, std::milli>(answer.done - answer.sent).count() -
                             deadline_ms;
    run.worst_client_overshoot_ms = std::max(run.worst_client_overshoot_ms, overshoot);
    if (overshoot <= kSlackMs) ++run.within_25ms;
    if (outcome.answered) {
      run.worst_exporter_overshoot_ms = std::max(run.worst_exporter_overshoot_ms,
                                                 1000 * (outcome.duration_seconds - outcome.timeout_seconds));
    }
    if (outcome.answered && !outcome.success && outcome.reason == "timeout") {
      ++run.timed_out;
      if (outcome.hops > 0 && outcome.hops_passed == outcome.hops) ++run.timed_out_past_hops;
      continue;
    }
    ++run.unexpected_count;
    if (run.unexpected.size() < kUnexpectedKept) {
      run.unexpected.push_back("status " + std::to_string(answer.status) + " " + answer.error +
                               " reason=" + outcome.reason);
    }
  }
  return run;
}

}  // namespace spe::bench
