// Figure 8: soak. Many probes mixing successes, authentication failures (a key sshd does not accept, a
// user it does not allow) and timeouts (a silent server, short timeout), at bounded concurrency. The
// exporter's RSS and open descriptors are read when it is idle after a warm-up fifth of the probes and
// again at the end: they must stay flat (growth < 5%), and every probe must give its expected result.
#include <algorithm>
#include <array>

#include "bench/figures.hpp"
#include "bench/process_stats.hpp"
#include "support/adversarial.hpp"

namespace spe::bench {
namespace {

constexpr std::size_t kClients = 128;
constexpr std::size_t kUnexpectedKept = 5;
constexpr std::size_t kWarmupRounds = 2;  // of 10

// Probe i's kind, in a repeating pattern of 50: 2 successes, 1 wrong key, 1 wrong user, 46 timeouts. The
// test sshd manages ~50 logins a second on two cores, so logins are kept to 8% for the run to stay short.
enum class Kind { success, wrong_key, wrong_user, timeout };
constexpr std::array<std::string_view, 4> kModules{"ok", "wrong_key", "wrong_user", "slow"};

Kind kind_of(std::size_t i) {
  const std::size_t slot = i % 50;
  if (slot < 2) return Kind::success;
  if (slot == 2) return Kind::wrong_key;
  if (slot == 3) return Kind::wrong_user;
  return Kind::timeout;
}

bool as_expected(Kind kind, const ProbeOutcome& outcome) {
  if (!outcome.answered) return false;
  switch (kind) {
    case Kind::success: return outcome.success;
    case Kind::wrong_key:
    case Kind::wrong_user: return !outcome.success && outcome.reason == "auth";
    case Kind::timeout: return !outcome.success && outcome.reason == "timeout";
  }
  return false;
}

struct SoakTally {
  std::array<std::size_t, 4> expected{};
  std::size_t unexpected = 0;
  std::vector<std::string> examples;
};

void run_probes(test::ExporterProcess& exporter, const std::array<std::string, 4>& paths, std::size_t first,
                std::size_t count, SoakTally& tally) {
  LoadPlan plan{count, kClients, std::chrono::seconds{60}, {}};
  run_load(
      exporter.port(), plan, [&](std::size_t i) { return paths[static_cast<std::size_t>(kind_of(first + i))]; },
      [&](std::size_t i, Answer&& answer) {
        const Kind kind = kind_of(first + i);
        const ProbeOutcome outcome = read_outcome(answer);
        if (as_expected(kind, outcome)) {
          ++tally.expected[static_cast<std::size_t>(kind)];
          return;
        }
        ++tally.unexpected;
        if (tally.examples.size() < kUnexpectedKept) {
          tally.examples.push_back(std::string(kModules[static_cast<std::size_t>(kind)]) + ": status " +
                                   std::to_string(answer.status) + " " + answer.error + " reason=" + outcome.reason);
        }
      });
}

}  // namespace

FigureResult figure_soak(BenchBed& bed) {
  const std::size_t probes = bed.options().quick ? 5'000 : 100'000;
  const std::size_t round = probes / 10;
  test::AdversarialServer silent(test::Misbehaviour::silent);
  auto& sshd = bed.sshd();
  auto exporter = bed.start_exporter("figure8.toml", bed.login_module("ok") +
                                                         bed.login_module("wrong_key", "", "", sshd.cert_key_path()) +
                                                         bed.login_module("wrong_user", "", "spe-bench-no-such-user") +
                                                         BenchBed::adversarial_module("slow", "100ms"));
  const std::string silent_target = "127.0.0.1:" + std::to_string(silent.port());
  const std::array<std::string, 4> paths{bed.probe_path("ok"), bed.probe_path("wrong_key"),
                                         bed.probe_path("wrong_user"), bed.probe_path("slow", silent_target)};

  // Ten rounds of a tenth each, the exporter sampled idle after each: the first two are the warm-up
  // (allocator pools and the history rings fill up in them), and the trajectory shows whether any growth
  // levels off or goes on.
  SoakTally tally;
  std::vector<IdleSample> samples;
  const auto start = Clock::now();
  const std::string load_start = load_average();
  for (std::size_t first = 0; first < probes; first += round) {
    run_probes(*exporter, paths, first, std::min(round, probes - first), tally);
    samples.push_back(idle_sample(exporter->pid()));
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const IdleSample warm = samples.at(kWarmupRounds - 1);
  const IdleSample end = samples.back();

  const std::string count = bed.options().quick ? "5,000" : "100,000";
  Row rss{"8a",
          "soak, " + count + " probes: RSS growth after warm-up",
          "%",
          {growth_percent(warm.rss_kb, end.rss_kb)},
          {},
          "",
          Target{Target::Of::value, Target::Compare::below, 5, "< 5%"},
          1};
  Row fds{"8b",
          "soak: open fd growth after warm-up",
          "%",
          {growth_percent(warm.fds, end.fds)},
          {},
          "",
          Target{Target::Of::value, Target::Compare::below, 5, "< 5%"},
          1};
  Row bad{"8c",
          "soak: probes with an unexpected result",
          "probes",
          {static_cast<double>(tally.unexpected)},
          {},
          "",
          Target{Target::Of::value, Target::Compare::at_most, 0, "0"},
          0};
  FigureResult result;
  result.notes.push_back(printf_text(
      "one run of %zu probes in %.0f s (%zu clients): %zu successes, %zu wrong-key and %zu wrong-user auth "
      "failures, %zu timeouts as expected, %zu unexpected; RSS %ld kB after warm-up (%zu probes), %ld kB at the "
      "end; open fds %ld and %ld; load %s at start, %s at end",
      probes, seconds, kClients, tally.expected[0], tally.expected[1], tally.expected[2], tally.expected[3],
      tally.unexpected, warm.rss_kb, kWarmupRounds * round, end.rss_kb, warm.fds, end.fds, load_start.c_str(),
      load_average().c_str()));
  std::string trajectory = "  RSS kB / open fds after each tenth:";
  for (const IdleSample& sample : samples) trajectory += printf_text(" %ld/%ld", sample.rss_kb, sample.fds);
  result.notes.push_back(trajectory);
  for (const auto& example : tally.examples) result.notes.push_back("  unexpected: " + example);
  result.rows = {std::move(rss), std::move(fds), std::move(bad)};
  return result;
}

}  // namespace spe::bench
