// The writers' output as Prometheus itself reads it: promtool's `check metrics` (the text format) and its
// OpenMetrics parser (`tsdb create-blocks-from openmetrics`) over what the collector, the exporter's own families
// and parsed command output give. The pure checks of the same writers are the [unit] cases of exposition,
// openmetrics, from_report, output and prometheus_text.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "config/load_commands.hpp"
#include "metrics/exporter_metrics.hpp"
#include "metric_model/exposition.hpp"
#include "metrics/from_report.hpp"
#include "metrics/process.hpp"
#include "metric_model/registry.hpp"
#include "parse/output.hpp"
#include "probe/report.hpp"
#include "support/metric_families.hpp"
#include "support/metric_text.hpp"
#include "support/openmetrics_check.hpp"
#include "support/sample_reports.hpp"

using namespace spe;
using namespace spe::metrics;
using namespace spe::test;

namespace {

// What Prometheus text of every type a command may print looks like, with timestamps and odd spacing.
constexpr std::string_view kEveryType = R"(# A plain comment, ignored.
# HELP http_requests_total Requests.\nSecond line with a \\ backslash.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{ method = "post" , code="400", } 3 1395066363000

# TYPE temperature gauge
temperature{room="a\"b\\c\nd"} -Inf
temperature{room="x"} NaN
# HELP latency_seconds Latency.
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.05"} 24054
latency_seconds_bucket{le="+Inf"} 144320
latency_seconds_sum 53423
latency_seconds_count 144320
# HELP rpc_seconds RPC.
# TYPE rpc_seconds summary
rpc_seconds{quantile="0.5"} 4773
rpc_seconds{quantile="0.99"} 76656
rpc_seconds_sum 1.7560473e+07
rpc_seconds_count 2693
untyped_thing 1e-7
	  indented +Inf
)";

std::vector<MetricFamily> parse_ok(std::string_view text, std::string_view prefix = "") {
  auto parsed = parse_prometheus_text(text, prefix);
  INFO((parsed ? std::string() : parsed.error().message));
  REQUIRE(parsed.has_value());
  return std::move(parsed->families);
}

// promtool check metrics accepts text: exit 0, no parse error and no lint finding.
void check_promtool_accepts(const std::string& text) {
  const auto check = promtool_check_metrics(text);
  INFO(text << "\n" << check.output);
  CHECK(check.exit_code == 0);
}

}  // namespace

TEST_CASE("exporter and process families pass the registry and promtool", "[promtool][metrics]") {
  ExporterMetrics metrics("0.1.0", "abc1234", "0.10.4");
  metrics.probe_started();
  metrics.probe_started();
  metrics.probe_finished("default", true, 0.42);
  metrics.request_rejected(spe::metrics::RejectReason::bad_request);

  Registry registry;
  auto families = metrics.families();
  for (MetricFamily& family : process_families()) families.push_back(std::move(family));
  for (MetricFamily& family : families) {
    const auto added = registry.add(std::move(family));
    INFO((added ? std::string() : added.error().message));
    CHECK(added);
  }
  check_promtool_accepts(write_text(registry.families()));
}

TEST_CASE("server info labels from a non-UTF-8 banner are made valid UTF-8", "[promtool][metrics]") {
  ProbeReport report = success_report();
  report.server->banner = "SSH-2.0-Evil\xFF\xC0\xAF \"quoted\"\\\n";
  report.server->software = "Evil\xED\xA0\x80";
  report.host_key->type = "ssh-\x80rsa";
  const auto families = families_from_report(report);
  const std::string text = write_text(families);

  CHECK_THAT(text, Catch::Contains("probe_ssh_server_info{banner=\"SSH-2.0-Evil\xEF\xBF\xBD\xEF\xBF\xBD"
                                   "\xEF\xBF\xBD \\\"quoted\\\"\\\\\\n\",software=\"Evil\xEF\xBF\xBD"
                                   "\xEF\xBF\xBD\xEF\xBF\xBD\",kex="));
  CHECK_THAT(text, Catch::Contains("probe_ssh_host_key_info{type=\"ssh-\xEF\xBF\xBDrsa\""));
  CHECK(text.find('\xFF') == std::string::npos);
  check_promtool_accepts(text);
}

TEST_CASE("promtool accepts the exposition of a success and of a failure report", "[promtool][metrics]") {
  SECTION("success") { check_promtool_accepts(write_text(families_from_report(success_report()))); }
  SECTION("failure in the handshake") {
    check_promtool_accepts(write_text(families_from_report(failed_report(Phase::handshake, ErrorCode::unavailable))));
  }
  SECTION("through jump hosts: success, a hop refusing its key, a hop refusing the channel onward") {
    for (const ProbeReport& report :
         {jump_success_report(), jump_hop_failed_report(0, HopPhase::host_key, ErrorCode::permission_denied),
          jump_hop_failed_report(1, HopPhase::forward, ErrorCode::unavailable)}) {
      const std::string text = write_text(families_from_report(report));
      REQUIRE(text.find("\nprobe_ssh_hop_duration_seconds{hop=\"inner\",phase=\"forward\"} ") != std::string::npos);
      check_promtool_accepts(text);
      const auto parsed = promtool_parse_openmetrics(write_openmetrics(families_from_report(report)));
      INFO(parsed.output);
      CHECK(parsed.exit_code == 0);
    }
  }
}

TEST_CASE("Prometheus' OpenMetrics parser (via promtool) accepts the writer's output", "[promtool][openmetrics]") {
  ExporterMetrics metrics("0.1.0", "abc", "0.10.4");
  metrics.probe_started();
  metrics.probe_finished("default", true, 0.02);
  auto families = metrics.families();
  for (auto& family : families_from_report(spe::ProbeReport{})) families.push_back(std::move(family));
  for (auto& family : sample_families()) families.push_back(std::move(family));
  const auto accepted = promtool_parse_openmetrics(write_openmetrics(families));
  INFO(accepted.output);
  CHECK(accepted.exit_code == 0);
  // The same parser refuses an exposition that lacks "# EOF", so the check above can fail.
  const auto refused = promtool_parse_openmetrics(write_text(families));
  INFO(refused.output);
  CHECK(refused.exit_code != 0);
}

TEST_CASE("passthrough text the parser accepts is valid OpenMetrics, with every sample", "[promtool][openmetrics]") {
  // What a command with format = "prometheus" may print: every type, a counter with and without
  // _total, labelled histograms with signed and exponent bounds, NaN where OpenMetrics allows it,
  // and the _created gauges Python's prometheus_client writes beside counters, histograms and
  // summaries, which are dropped.
  const auto parsed = spe::parse_prometheus_text(
      "# TYPE jobs counter\njobs{q=\"a\"} 3\n# TYPE bytes_total counter\nbytes_total 0\n"
      "# TYPE bytes_created gauge\nbytes_created 1.7e+09\njobs_created{q=\"a\"} 1.7e+09\n"
      "# TYPE t gauge\nt NaN\nt_total 1\n"
      "# TYPE h_seconds histogram\n"
      "h_seconds_bucket{x=\"1\",le=\"-1\"} 0\nh_seconds_bucket{x=\"1\",le=\"+1\"} 2\n"
      "h_seconds_bucket{x=\"1\",le=\"1e3\"} 2\nh_seconds_bucket{x=\"1\",le=\"+Inf\"} 3\n"
      "h_seconds_sum{x=\"1\"} -0.5\nh_seconds_count{x=\"1\"} 3\nh_seconds_bucket{x=\"2\",le=\"+Inf\"} 0\n"
      "# TYPE s summary\ns{quantile=\"0\"} NaN\ns{quantile=\"1\"} 4\ns_sum 4\ns_count 1\n"
      "# TYPE h_seconds_created gauge\nh_seconds_created{x=\"1\"} 1.7e+09\ns_created 1.7e+09\n"
      "loose 1\n",
      "app_");
  INFO((parsed ? std::string() : parsed.error().message));
  REQUIRE(parsed.has_value());
  const std::string text = write_text(parsed->families);
  const std::string openmetrics = write_openmetrics(parsed->families);
  INFO(openmetrics);
  CHECK(openmetrics_problems(openmetrics) == std::vector<std::string>{});
  const auto accepted = promtool_parse_openmetrics(openmetrics);
  INFO(accepted.output);
  CHECK(accepted.exit_code == 0);
  const auto sample_lines = [](const std::string& body) {
    std::size_t count = 0;
    std::istringstream lines(body);
    for (std::string line; std::getline(lines, line);) count += line.starts_with('#') ? 0 : 1;
    return count;
  };
  CHECK(sample_lines(openmetrics) == sample_lines(text));
  CHECK(sample_lines(text) == 16);
  CHECK(parsed->notes.size() == 4);
}

TEST_CASE("label values are valid UTF-8 whatever bytes the command printed", "[promtool][output]") {
  spe::Command command;
  command.name = "cmd";
  command.command = "true";
  command.gauges.emplace_back();
  command.gauges[0].name = "files";
  command.gauges[0].regex = spe::compile_config_regex(R"(^(?P<name>\S+) (?P<value>\d+)$)");
  REQUIRE(command.gauges[0].regex->ok());
  const auto derived = spe::derive_gauges(command, "caf\xC3\xA9 1\nbad\xFF\xFE 2\nhalf\xE2\x82 3\n");
  INFO((derived ? std::string() : derived.error().message));
  REQUIRE(derived.has_value());
  const std::vector<MetricFamily>& families = *derived;
  REQUIRE(families[0].samples.size() == 3);
  CHECK(families[0].samples[0].labels[0].value == "caf\xC3\xA9");
  CHECK(families[0].samples[1].labels[0].value == "bad\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(families[0].samples[2].labels[0].value == "half\xEF\xBF\xBD");
  check_promtool_accepts(write_text(families));
}

TEST_CASE("Prometheus text of every type passes through, prefixed, timestamps dropped",
          "[promtool][output][prometheus_text]") {
  const auto families = parse_ok(kEveryType, "app_");
  REQUIRE(families.size() == 6);
  CHECK(families[0].type == MetricType::counter);
  CHECK(families[0].help == "Requests.\nSecond line with a \\ backslash.");
  CHECK(families[2].type == MetricType::histogram);
  CHECK(families[2].samples[0].suffix == "_bucket");
  CHECK(families[3].type == MetricType::summary);
  CHECK(families[3].samples[0].suffix.empty());
  CHECK(families[3].samples[2].suffix == "_sum");
  CHECK(families[4].type == MetricType::untyped);
  const std::string text = write_text(families);
  CHECK(text ==
        "# HELP app_http_requests_total Requests.\\nSecond line with a \\\\ backslash.\n"
        "# TYPE app_http_requests_total counter\n"
        "app_http_requests_total{method=\"post\",code=\"200\"} 1027\n"
        "app_http_requests_total{method=\"post\",code=\"400\"} 3\n"
        "# HELP app_temperature From the command's output, which gave no HELP.\n"
        "# TYPE app_temperature gauge\n"
        "app_temperature{room=\"a\\\"b\\\\c\\nd\"} -Inf\n"
        "app_temperature{room=\"x\"} NaN\n"
        "# HELP app_latency_seconds Latency.\n"
        "# TYPE app_latency_seconds histogram\n"
        "app_latency_seconds_bucket{le=\"0.05\"} 24054\n"
        "app_latency_seconds_bucket{le=\"+Inf\"} 144320\n"
        "app_latency_seconds_sum 53423\n"
        "app_latency_seconds_count 144320\n"
        "# HELP app_rpc_seconds RPC.\n"
        "# TYPE app_rpc_seconds summary\n"
        "app_rpc_seconds{quantile=\"0.5\"} 4773\n"
        "app_rpc_seconds{quantile=\"0.99\"} 76656\n"
        "app_rpc_seconds_sum 17560473\n"
        "app_rpc_seconds_count 2693\n"
        "# HELP app_untyped_thing From the command's output, which gave no HELP.\n"
        "# TYPE app_untyped_thing untyped\n"
        "app_untyped_thing 1e-07\n"
        "# HELP app_indented From the command's output, which gave no HELP.\n"
        "# TYPE app_indented untyped\n"
        "app_indented +Inf\n");
  check_promtool_accepts(text);
}

TEST_CASE("invalid UTF-8 in label values and HELP becomes U+FFFD", "[promtool][output][prometheus_text]") {
  const auto families = parse_ok("# HELP a Bad \xFF help.\na{v=\"x\xC0\xAFy\"} 1\n");
  CHECK(families[0].help == "Bad \xEF\xBF\xBD help.");
  CHECK(families[0].samples[0].labels[0].value == "x\xEF\xBF\xBD\xEF\xBF\xBDy");
  check_promtool_accepts(write_text(families));
}

TEST_CASE("a gauge X_created beside a counter, histogram or summary X is dropped with a note",
          "[promtool][output][prometheus_text]") {
  // Python's prometheus_client writes the created timestamp so in the text format; in OpenMetrics the
  // name is X's own _created line, which the exporter does not write.
  using Row = std::tuple<std::string, std::string, std::string, std::string>;
  const auto [why, text, kept, note] = GENERATE(table<std::string, std::string, std::string, std::string>({
      Row{"counter with _total, then its gauge, as prometheus_client writes it",
          "# HELP requests_total Requests.\n# TYPE requests_total counter\nrequests_total{path=\"/\"} 3.0\n"
          "# HELP requests_created Requests.\n# TYPE requests_created gauge\nrequests_created{path=\"/\"} 1.7e+09\n",
          "requests_total", "dropped requests_created: the created timestamp of counter requests_total"},
      Row{"untyped foo_created first, then counter foo_total",
          "foo_created 1.7e+09\n# TYPE foo_total counter\nfoo_total 1\n", "foo_total",
          "dropped foo_created: the created timestamp of counter foo_total"},
      Row{"histogram, then its gauge",
          "# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 2\n"
          "# TYPE h_created gauge\nh_created 1.7e+09\n",
          "h", "dropped h_created: the created timestamp of histogram h"},
      Row{"gauge first, then its summary",
          "# TYPE s_created gauge\ns_created 1.7e+09\n# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 1\ns_count 1\n",
          "s", "dropped s_created: the created timestamp of summary s"},
  }));
  CAPTURE(why);
  const auto parsed = spe::parse_prometheus_text(text, "");
  INFO((parsed ? std::string() : parsed.error().message));
  REQUIRE(parsed.has_value());
  REQUIRE(parsed->families.size() == 1);
  CHECK(parsed->families[0].name == kept);
  CHECK(parsed->notes == std::vector<std::string>{note + ", which this exporter does not expose"});
  check_promtool_accepts(write_text(parsed->families));

  const auto prefixed = spe::parse_prometheus_text(text, "app_");
  REQUIRE(prefixed.has_value());
  CHECK(prefixed->notes.size() == 1);
  CHECK(prefixed->notes[0].starts_with("dropped app_"));
}
