// The OpenMetrics 1.0 text writer, checked against the rules of the specification's "Text format" section by
// the checker of tests/support/openmetrics_check.hpp. Prometheus' own OpenMetrics parser (through promtool) reads
// the same output in the system tests: tests/integration/exposition_promtool_test.cpp.
#include <catch2/catch.hpp>
#include <limits>
#include <string>
#include <vector>

#include "metric_model/exposition.hpp"
#include "metric_model/model.hpp"
#include "metrics/exporter_metrics.hpp"
#include "metrics/from_report.hpp"
#include "metrics/process.hpp"
#include "probe/report.hpp"
#include "support/metric_families.hpp"
#include "support/openmetrics_check.hpp"

using namespace spe::metrics;

using spe::test::openmetrics_problems;
using spe::test::sample_families;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("OpenMetrics text: TYPE, UNIT, HELP, samples, counters as _total, canonical le and quantile, # EOF",
          "[unit][openmetrics]") {
  CHECK(write_openmetrics(sample_families()) ==
        "# TYPE up_seconds gauge\n"
        "# UNIT up_seconds seconds\n"
        "# HELP up_seconds A gauge with a unit.\n"
        "up_seconds 1.5\n"
        "# TYPE requests counter\n"
        "# HELP requests A counter: \\\"quoted\\\", C:\\\\path,\\nsecond line.\n"
        "requests_total{code=\"200\"} 3\n"
        "requests_total{code=\"say \\\"hi\\\"\\n\"} 0\n"
        "# TYPE lat_seconds histogram\n"
        "# UNIT lat_seconds seconds\n"
        "# HELP lat_seconds A histogram.\n"
        "lat_seconds_bucket{le=\"0.005\"} 0\n"
        "lat_seconds_bucket{le=\"1.0\"} 1\n"
        "lat_seconds_bucket{le=\"100000.0\"} 1\n"
        "lat_seconds_bucket{le=\"+Inf\"} 2\n"
        "lat_seconds_sum 0.75\n"
        "lat_seconds_count 2\n"
        "# TYPE odd unknown\n"
        "# HELP odd Untyped.\n"
        "odd NaN\n"
        "# TYPE rpc_seconds summary\n"
        "# UNIT rpc_seconds seconds\n"
        "# HELP rpc_seconds A summary.\n"
        "rpc_seconds{quantile=\"0.5\"} 0.25\n"
        "rpc_seconds{quantile=\"1.0\"} 2\n"
        "rpc_seconds_sum 9.5\n"
        "rpc_seconds_count 12\n"
        "# TYPE events counter\n"
        "# HELP events A counter named without _total.\n"
        "events_total 7\n"
        "# TYPE quiet gauge\n"
        "quiet -Inf\n"
        "# EOF\n");
}

TEST_CASE("an exposition without families is just # EOF", "[unit][openmetrics]") {
  CHECK(write_openmetrics({}) == "# EOF\n");
}

TEST_CASE("canonical numbers follow the specification's examples", "[unit][openmetrics]") {
  // "Considerations: Canonical Numbers" in the OpenMetrics 1.0 specification.
  const auto [value, expected] = GENERATE(table<double, std::string>({
      {0.0, "0.0"},         {0.001, "0.001"},       {0.002, "0.002"}, {0.01, "0.01"},   {0.1, "0.1"},
      {0.9, "0.9"},         {0.95, "0.95"},         {0.99, "0.99"},   {0.999, "0.999"}, {1.0, "1.0"},
      {1.7, "1.7"},         {10.0, "10.0"},         {1e-10, "1e-10"}, {1e-09, "1e-09"}, {1e-05, "1e-05"},
      {0.0001, "0.0001"},   {100000.0, "100000.0"}, {1e+06, "1e+06"}, {1e+10, "1e+10"}, {1e+23, "1e+23"},
      {1.1e+23, "1.1e+23"}, {2.5, "2.5"},           {60.0, "60.0"},   {kInf, "+Inf"},   {-kInf, "-Inf"},
      {-1.0, "-1.0"},
  }));
  CAPTURE(value);
  CHECK(format_canonical(value) == expected);
}

TEST_CASE("the specification checker finds what the rules forbid", "[unit][openmetrics]") {
  CHECK(openmetrics_problems("# TYPE a gauge\na 1\n# EOF\n").empty());
  CHECK_FALSE(openmetrics_problems("# TYPE a gauge\na 1\n").empty());                             // no EOF
  CHECK_FALSE(openmetrics_problems("# TYPE a counter\na 1\n# EOF\n").empty());                    // no _total
  CHECK_FALSE(openmetrics_problems("# TYPE a gauge\n# HELP a say \"x\"\na 1\n# EOF\n").empty());  // raw quote
  CHECK_FALSE(openmetrics_problems("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\n"
                                   "h_count 1\n# EOF\n")
                  .empty());  // le not canonical
  CHECK_FALSE(openmetrics_problems("# TYPE a gauge\n# TYPE b gauge\n# TYPE a gauge\n# EOF\n").empty());  // repeated
  CHECK_FALSE(openmetrics_problems("# TYPE a gauge\n# UNIT a seconds\na 1\n# EOF\n").empty());  // unit not a suffix
}

TEST_CASE("OpenMetrics output of every kind of family keeps the specification's rules", "[unit][openmetrics]") {
  SECTION("hand-made families") {
    const auto problems = openmetrics_problems(write_openmetrics(sample_families()));
    CHECK(problems == std::vector<std::string>{});
  }
  SECTION("the exporter's own metrics, with probes observed") {
    ExporterMetrics metrics("0.1.0", "abc", "0.10.4");
    metrics.probe_started();
    metrics.probe_finished("default", true, 0.02);
    metrics.probe_finished("default", false, 7);
    metrics.request_rejected(spe::metrics::RejectReason::unknown_module);
    auto families = metrics.families();
    for (auto& family : process_families()) families.push_back(std::move(family));
    const std::string text = write_openmetrics(families);
    CHECK(openmetrics_problems(text) == std::vector<std::string>{});
    CHECK(text.find("# TYPE ssh_probe_exporter_probes counter\n") != std::string::npos);
    CHECK(text.find("ssh_probe_exporter_probes_total{module=\"default\",result=\"success\"} 1\n") !=
          std::string::npos);
    CHECK(text.find("ssh_probe_exporter_probe_duration_seconds_bucket{module=\"default\",le=\"1.0\"} 1\n") !=
          std::string::npos);
    CHECK(text.find("# TYPE process_cpu_seconds counter\n# UNIT process_cpu_seconds seconds\n") != std::string::npos);
  }
  SECTION("a probe report") {
    const spe::ProbeReport report{};
    const auto problems = openmetrics_problems(write_openmetrics(families_from_report(report)));
    CHECK(problems == std::vector<std::string>{});
  }
}
