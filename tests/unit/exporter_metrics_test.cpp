#include "metrics/exporter_metrics.hpp"

#include <catch2/catch.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "metric_model/exposition.hpp"
#include "metric_model/registry.hpp"
#include "metrics/process.hpp"
#include "support/metric_families.hpp"

using namespace spe::metrics;
using spe::test::find_family;

namespace {

std::optional<double> single_value(const std::vector<MetricFamily>& families, std::string_view name) {
  const MetricFamily* family = find_family(families, name);
  if (family == nullptr || family->samples.size() != 1) return std::nullopt;
  return family->samples[0].value;
}

ExporterMetrics make_metrics() { return ExporterMetrics("0.1.0", "abc1234", "0.10.4"); }

constexpr std::string_view kBuildInfo =
    "# HELP ssh_probe_exporter_build_info A metric with a constant '1' value labeled by version, "
    "revision and libssh version.\n"
    "# TYPE ssh_probe_exporter_build_info gauge\n"
    "ssh_probe_exporter_build_info{version=\"0.1.0\",revision=\"abc1234\",libssh=\"0.10.4\"} 1\n";

constexpr std::string_view kInFlightZero =
    "# HELP ssh_probe_exporter_probes_in_flight Probes currently running.\n"
    "# TYPE ssh_probe_exporter_probes_in_flight gauge\n"
    "ssh_probe_exporter_probes_in_flight 0\n";

constexpr std::string_view kRejectedHeader =
    "# HELP ssh_probe_exporter_requests_rejected_total Requests refused before a probe started, by "
    "reason.\n"
    "# TYPE ssh_probe_exporter_requests_rejected_total counter\n";

}  // namespace

TEST_CASE("a fresh instance reports build info, zero in flight and pre-seeded rejections", "[unit][metrics]") {
  const ExporterMetrics metrics = make_metrics();
  const auto families = metrics.families();
  REQUIRE(families.size() == 8);
  CHECK(families[0].name == "ssh_probe_exporter_build_info");
  CHECK(families[1].name == "ssh_probe_exporter_probes_total");
  CHECK(families[2].name == "ssh_probe_exporter_probes_in_flight");
  CHECK(families[3].name == "ssh_probe_exporter_probe_duration_seconds");
  CHECK(families[4].name == "ssh_probe_exporter_requests_rejected_total");
  CHECK(families[1].type == MetricType::counter);
  CHECK(families[3].type == MetricType::histogram);
  CHECK(families[4].type == MetricType::counter);
  CHECK(families[5].name == "ssh_probe_exporter_config_last_reload_successful");
  CHECK(families[6].name == "ssh_probe_exporter_config_last_reload_success_timestamp_seconds");
  CHECK(families[7].name == "ssh_probe_exporter_event_loop_lag_seconds");
  CHECK(write_text(families) ==
        std::string(kBuildInfo) + std::string(kInFlightZero) + std::string(kRejectedHeader) +
            "ssh_probe_exporter_requests_rejected_total{reason=\"auth_overload\"} 0\n"
            "ssh_probe_exporter_requests_rejected_total{reason=\"bad_request\"} 0\n"
            "ssh_probe_exporter_requests_rejected_total{reason=\"bad_target\"} 0\n"
            "ssh_probe_exporter_requests_rejected_total{reason=\"not_allowed\"} 0\n"
            "ssh_probe_exporter_requests_rejected_total{reason=\"overload\"} 0\n"
            "ssh_probe_exporter_requests_rejected_total{reason=\"unknown_module\"} 0\n"
            "# HELP ssh_probe_exporter_config_last_reload_successful Whether the last configuration load (at "
            "startup or a reload) succeeded.\n"
            "# TYPE ssh_probe_exporter_config_last_reload_successful gauge\n"
            "ssh_probe_exporter_config_last_reload_successful 0\n"
            "# HELP ssh_probe_exporter_config_last_reload_success_timestamp_seconds Time of the last successful "
            "configuration load, in seconds since the epoch.\n"
            "# TYPE ssh_probe_exporter_config_last_reload_success_timestamp_seconds gauge\n"
            "ssh_probe_exporter_config_last_reload_success_timestamp_seconds 0\n"
            "# HELP ssh_probe_exporter_event_loop_lag_seconds How late the event loops' once-a-second "
            "timers last fired, in seconds (the latest figure of the most late loop).\n"
            "# TYPE ssh_probe_exporter_event_loop_lag_seconds gauge\n"
            "ssh_probe_exporter_event_loop_lag_seconds 0\n");
}

TEST_CASE("finished probes count by module and result, both results shown once a module is seen", "[unit][metrics]") {
  ExporterMetrics metrics = make_metrics();
  for (int i = 0; i < 3; ++i) metrics.probe_started();
  metrics.probe_finished("web", true, 0.2);
  metrics.probe_finished("db", false, 0.2);
  metrics.probe_finished("web", true, 0.2);

  const auto families = metrics.families();
  CHECK(write_text({families[1]}) ==
        "# HELP ssh_probe_exporter_probes_total Probes completed, by module and result.\n"
        "# TYPE ssh_probe_exporter_probes_total counter\n"
        "ssh_probe_exporter_probes_total{module=\"db\",result=\"failure\"} 1\n"
        "ssh_probe_exporter_probes_total{module=\"db\",result=\"success\"} 0\n"
        "ssh_probe_exporter_probes_total{module=\"web\",result=\"failure\"} 0\n"
        "ssh_probe_exporter_probes_total{module=\"web\",result=\"success\"} 2\n");
  CHECK(single_value(families, "ssh_probe_exporter_probes_in_flight") == 0.0);
}

TEST_CASE("probes in flight rise on start and fall on finish", "[unit][metrics]") {
  ExporterMetrics metrics = make_metrics();
  metrics.probe_started();
  metrics.probe_started();
  CHECK(single_value(metrics.families(), "ssh_probe_exporter_probes_in_flight") == 2.0);
  metrics.probe_finished("m", true, 1);
  CHECK(single_value(metrics.families(), "ssh_probe_exporter_probes_in_flight") == 1.0);
}

TEST_CASE("the duration histogram has cumulative buckets with Prometheus le spelling", "[unit][metrics]") {
  ExporterMetrics metrics = make_metrics();
  // 0.005 sits on a bound (le is inclusive), 0.3 between bounds, 100 past the last one.
  for (const double seconds : {0.005, 0.3, 100.0}) {
    metrics.probe_started();
    metrics.probe_finished("default", true, seconds);
  }
  const auto families = metrics.families();
  CHECK(write_text({families[3]}) ==
        "# HELP ssh_probe_exporter_probe_duration_seconds Duration of completed probes in seconds.\n"
        "# TYPE ssh_probe_exporter_probe_duration_seconds histogram\n"
        "ssh_probe_exporter_probe_duration_seconds_bucket{module=\"default\",le=\"0.005\"} 1\n"
        "ssh_probe_exporter_probe_duration_seconds_bucket{module=\"default\",le=\"0.01\"} 1\n"
        "ssh_probe_exporter_probe_duration_seconds_bucket{module=\"default\",le=\"0.025\"} 1\n"
        "ssh_probe_exporter_probe_duration_seconds_bucket{module=\"default\",le=\"0.05\"} 1\n"
        "ssh_probe_exporter_probe_duration_seconds_bucket{module=\"default\",le=\"0.1\"} 1\n"
        "ssh_probe_exporter_probe_duration_seconds_bucket{module=\"default\",le=\"0.25\"} 1\n"
        "ssh_probe_exporter_probe_duration_seconds_bucket{module=\"default\",le=\"0.5\"} 2\n"
        "ssh_probe_exporter_probe_duration_seconds_bucket{module=\"default\",le=\"1\"} 2\n"
        "ssh_probe_exporter_probe_duration_seconds_bucket{module=\"default\",le=\"2.5\"} 2\n"
        "ssh_probe_exporter_probe_duration_seconds_bucket{module=\"default\",le=\"5\"} 2\n"
        "ssh_probe_exporter_probe_duration_seconds_bucket{module=\"default\",le=\"10\"} 2\n"
        "ssh_probe_exporter_probe_duration_seconds_bucket{module=\"default\",le=\"30\"} 2\n"
        "ssh_probe_exporter_probe_duration_seconds_bucket{module=\"default\",le=\"60\"} 2\n"
        "ssh_probe_exporter_probe_duration_seconds_bucket{module=\"default\",le=\"+Inf\"} 3\n"
        "ssh_probe_exporter_probe_duration_seconds_sum{module=\"default\"} 100.305\n"
        "ssh_probe_exporter_probe_duration_seconds_count{module=\"default\"} 3\n");
}

TEST_CASE("histograms of several modules are sorted by module", "[unit][metrics]") {
  ExporterMetrics metrics = make_metrics();
  metrics.probe_finished("zeta", true, 1);
  metrics.probe_finished("alpha", false, 2);
  const auto families = metrics.families();
  const auto& samples = families[3].samples;
  REQUIRE(samples.size() == 2 * (ExporterMetrics::kDurationBuckets.size() + 3));
  CHECK(samples.front().labels[0].value == "alpha");
  CHECK(samples.back().labels[0].value == "zeta");
  CHECK(samples.back().suffix == "_count");
}

TEST_CASE("a negative or NaN duration is observed as 0", "[unit][metrics]") {
  ExporterMetrics metrics = make_metrics();
  metrics.probe_finished("m", false, -1);
  metrics.probe_finished("m", false, std::numeric_limits<double>::quiet_NaN());
  const auto families = metrics.families();
  const auto& samples = families[3].samples;
  CHECK(samples[0].value == 2);  // le="0.005"
  CHECK(samples[samples.size() - 2].suffix == "_sum");
  CHECK(samples[samples.size() - 2].value == 0);
}

TEST_CASE("rejected requests count by reason, sorted, every reason pre-seeded", "[unit][metrics]") {
  ExporterMetrics metrics = make_metrics();
  metrics.request_rejected(spe::metrics::RejectReason::unknown_module);
  metrics.request_rejected(spe::metrics::RejectReason::unknown_module);
  metrics.request_rejected(spe::metrics::RejectReason::auth_overload);
  CHECK(write_text({metrics.families()[4]}) ==
        std::string(kRejectedHeader) +
            "ssh_probe_exporter_requests_rejected_total{reason=\"auth_overload\"} 1\n"
            "ssh_probe_exporter_requests_rejected_total{reason=\"bad_request\"} 0\n"
            "ssh_probe_exporter_requests_rejected_total{reason=\"bad_target\"} 0\n"
            "ssh_probe_exporter_requests_rejected_total{reason=\"not_allowed\"} 0\n"
            "ssh_probe_exporter_requests_rejected_total{reason=\"overload\"} 0\n"
            "ssh_probe_exporter_requests_rejected_total{reason=\"unknown_module\"} 2\n");
}

TEST_CASE("try_probe_started admits up to the limit, 0 means no limit", "[unit][metrics]") {
  ExporterMetrics metrics = make_metrics();
  CHECK(metrics.try_probe_started(2));
  CHECK(metrics.try_probe_started(2));
  CHECK_FALSE(metrics.try_probe_started(2));
  CHECK(single_value(metrics.families(), "ssh_probe_exporter_probes_in_flight") == 2.0);
  metrics.probe_finished("m", true, 0.1);
  CHECK(metrics.try_probe_started(2));
  for (int i = 0; i < 100; ++i) CHECK(metrics.try_probe_started(0));
  CHECK(single_value(metrics.families(), "ssh_probe_exporter_probes_in_flight") == 102.0);
}

TEST_CASE("try_probe_started never overshoots the limit under contention", "[unit][metrics][concurrency]") {
  ExporterMetrics metrics = make_metrics();
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (metrics.try_probe_started(10)) ++admitted;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(admitted == 10);
}

TEST_CASE("config loads set the reload gauges; a failure keeps the last success time", "[unit][metrics]") {
  ExporterMetrics metrics = make_metrics();
  metrics.config_loaded(true, 1700000000.5);
  auto families = metrics.families();
  CHECK(single_value(families, "ssh_probe_exporter_config_last_reload_successful") == 1.0);
  CHECK(single_value(families, "ssh_probe_exporter_config_last_reload_success_timestamp_seconds") == 1700000000.5);
  metrics.config_loaded(false, 1700000100);
  families = metrics.families();
  CHECK(single_value(families, "ssh_probe_exporter_config_last_reload_successful") == 0.0);
  CHECK(single_value(families, "ssh_probe_exporter_config_last_reload_success_timestamp_seconds") == 1700000000.5);
}

TEST_CASE("the event loop lag gauge shows the last measurement", "[unit][metrics]") {
  ExporterMetrics metrics = make_metrics();
  metrics.event_loop_lag(0.25);
  CHECK(single_value(metrics.families(), "ssh_probe_exporter_event_loop_lag_seconds") == 0.25);
  metrics.event_loop_lag(-1);
  CHECK(single_value(metrics.families(), "ssh_probe_exporter_event_loop_lag_seconds") == 0.0);
}

TEST_CASE("the event loop lag gauge shows the most late of several loops", "[unit][metrics]") {
  ExporterMetrics metrics = make_metrics();
  metrics.event_loop_lag(0, 0.01);
  metrics.event_loop_lag(2, 0.5);
  metrics.event_loop_lag(1, 0.02);
  CHECK(single_value(metrics.families(), "ssh_probe_exporter_event_loop_lag_seconds") == 0.5);
  metrics.event_loop_lag(2, 0.001);  // loop 2 caught up: the latest figures count
  CHECK(single_value(metrics.families(), "ssh_probe_exporter_event_loop_lag_seconds") == 0.02);
}

TEST_CASE("counts stay exact when probes finish on several threads at once", "[unit][metrics][concurrency]") {
  ExporterMetrics metrics = make_metrics();
  constexpr int kThreads = 4;
  constexpr int kProbes = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&metrics, t] {
      for (int i = 0; i < kProbes; ++i) {
        metrics.probe_started();
        metrics.probe_finished(t % 2 == 0 ? "even" : "odd", i % 2 == 0, 0.5);
        if (i % 500 == 0) metrics.request_rejected(spe::metrics::RejectReason::bad_request);
        if (i % 250 == 0) (void)metrics.families();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  const auto families = metrics.families();
  CHECK(single_value(families, "ssh_probe_exporter_probes_in_flight") == 0.0);
  double total = 0;
  for (const Sample& sample : families[1].samples) total += sample.value;
  CHECK(total == kThreads * kProbes);
  for (const Sample& sample : families[1].samples) CHECK(sample.value == kThreads * kProbes / 4);
  const auto& rejected = families[4].samples;
  const auto bad_request = std::find_if(rejected.begin(), rejected.end(), [](const Sample& sample) {
    return sample.labels == Labels{{"reason", "bad_request"}};
  });
  REQUIRE(bad_request != rejected.end());
  CHECK(bad_request->value == kThreads * (kProbes / 500));
}

TEST_CASE("proc stat parsing counts fields from the last parenthesis", "[unit][metrics]") {
  // The command name may itself contain ") " and digits; fields 14, 15, 22, 23 and 24 matter.
  const std::string stat =
      "4532 (evil) 1 2 3) R 4529 4529 2858 0 -1 4194304 100 0 0 0 70 30 0 0 20 0 1 0 26864 "
      "3133440 373 18446744073709551615 94099841851392 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
  const auto parsed = parse_proc_stat(stat);
  REQUIRE(parsed);
  CHECK(parsed->utime_ticks == 70);
  CHECK(parsed->stime_ticks == 30);
  CHECK(parsed->start_ticks == 26864);
  CHECK(parsed->vsize_bytes == 3133440);
  CHECK(parsed->rss_pages == 373);

  CHECK_FALSE(parse_proc_stat("4532 (cat) R 1 2 3"));
  CHECK_FALSE(parse_proc_stat("no parenthesis at all"));
  CHECK_FALSE(parse_proc_stat("1 (x) R 1 1 1 0 -1 0 0 0 0 0 ten 0 0 0 20 0 1 0 1 1 1 1"));
}

TEST_CASE("boot time comes from the btime line of /proc/stat", "[unit][metrics]") {
  CHECK(parse_boot_time("cpu  1 2 3\nintr 5\nbtime 1795300142\nprocesses 7\n") == 1795300142.0);
  CHECK(parse_boot_time("btime 42") == 42.0);
  CHECK_FALSE(parse_boot_time("cpu 1 2 3\nprocesses 7\n"));
  CHECK_FALSE(parse_boot_time("btime x\n"));
}

TEST_CASE("process families describe this process with the client libraries' names", "[unit][metrics]") {
  const auto families = process_families();
  std::vector<std::string> names;
  for (const MetricFamily& family : families) names.push_back(family.name);
  CHECK(names == std::vector<std::string>{"process_cpu_seconds_total", "process_resident_memory_bytes",
                                          "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
                                          "process_start_time_seconds"});
  CHECK(find_family(families, "process_cpu_seconds_total")->type == MetricType::counter);
  CHECK(find_family(families, "process_cpu_seconds_total")->help ==
        "Total user and system CPU time spent in seconds.");

  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const auto start = single_value(families, "process_start_time_seconds");
  REQUIRE(start);
  CHECK(*start <= now + 1);
  CHECK(*start >= now - 24 * 3600);  // a unit test run never lasts a day
  const auto cpu = single_value(families, "process_cpu_seconds_total");
  REQUIRE(cpu);
  // This process's CPU time as the C library counts it (what /proc gives is in 10 ms ticks).
  CHECK(*cpu == Approx(static_cast<double>(std::clock()) / CLOCKS_PER_SEC).margin(0.1));
  CHECK(single_value(families, "process_resident_memory_bytes") > 1024.0 * 1024);
  CHECK(single_value(families, "process_virtual_memory_bytes") >=
        single_value(families, "process_resident_memory_bytes"));
  const auto open = single_value(families, "process_open_fds");
  REQUIRE(open);
  CHECK(*open >= 3);  // stdin, stdout, stderr
  CHECK(single_value(families, "process_max_fds") >= *open);
}
