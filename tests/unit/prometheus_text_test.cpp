#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "metric_model/exposition.hpp"
#include "parse/output.hpp"

using spe::metrics::MetricFamily;
using spe::metrics::MetricType;

namespace {

std::vector<MetricFamily> parse_ok(std::string_view text, std::string_view prefix = "") {
  auto result = spe::parse_prometheus_text(text, prefix);
  INFO((result ? std::string() : result.error().message));
  REQUIRE(result.has_value());
  return std::move(result->families);
}

std::string parse_error(std::string_view text, std::string_view prefix = "") {
  const auto result = spe::parse_prometheus_text(text, prefix);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == spe::ErrorCode::failed_precondition);
  return result.error().message;
}

}  // namespace

TEST_CASE("samples of one family split by another are gathered into it", "[unit][output][prometheus_text]") {
  const auto families = parse_ok("a{x=\"1\"} 1\nb 2\na{x=\"2\"} 3\n");
  REQUIRE(families.size() == 2);
  CHECK(families[0].name == "a");
  CHECK(families[0].samples.size() == 2);
  CHECK(families[1].name == "b");
}

TEST_CASE("HELP or TYPE without samples declares nothing", "[unit][output][prometheus_text]") {
  CHECK(parse_ok("# HELP a Nothing.\n# TYPE a gauge\n# TYPE b counter\n").empty());
  CHECK(parse_ok("").empty());
  CHECK(parse_ok("\n\n   \n# only comments\n").empty());
}

TEST_CASE("an unknown escape in a label value is kept as written", "[unit][output][prometheus_text]") {
  const auto families = parse_ok("a{p=\"C:\\temp\"} 1\n");
  CHECK(families[0].samples[0].labels[0].value == "C:\\temp");
}

TEST_CASE("each kind of invalid Prometheus text is refused with its line", "[unit][output][prometheus_text]") {
  using Row = std::tuple<std::string, std::string>;
  const auto [text, expected] = GENERATE(table<std::string, std::string>({
      Row{"# HELP a x\n# HELP a y\na 1\n", "line 2: second HELP line for a"},
      Row{"# TYPE a gauge\n# TYPE a counter\n", "line 2: second TYPE line for a"},
      Row{"a 1\n# TYPE a gauge\n", "line 2: TYPE line for a after its samples"},
      Row{"# TYPE a gauges\n",
          "line 1: unknown type \"gauges\" for a (counter, gauge, histogram, summary or untyped)"},
      Row{"# TYPE a gauge extra\n",
          "line 1: unknown type \"gauge\" for a (counter, gauge, histogram, summary or untyped)"},
      Row{"# HELP\n", "line 1: HELP needs a metric name, not \"\""},
      Row{"# TYPE 1a gauge\n", "line 1: TYPE needs a metric name, not \"1a gauge\""},
      Row{"# TYPE h histogram\nh 1\n", "line 2: histogram h has a sample without _bucket, _sum or _count"},
      Row{"# TYPE h histogram\nh_bucket{le=\"x\"} 1\n", "line 2: le=\"x\" of h is not a number"},
      Row{"# TYPE h histogram\nh_bucket 1\n", "histogram bucket without \"le\": h_bucket"},
      Row{"# TYPE h histogram\nh_sum{le=\"1\"} 1\n", "label \"le\" is only for buckets: h_sum{le=\"1\"}"},
      Row{"# TYPE s summary\ns 1\n", "summary quantile without \"quantile\": s"},
      Row{"# TYPE s summary\ns{quantile=\"high\"} 1\n", "line 2: quantile=\"high\" of s is not a number"},
      Row{"# TYPE s summary\ns_count{quantile=\"0.5\"} 1\n",
          "label \"quantile\" is only for quantiles: s_count{quantile=\"0.5\"}"},
      Row{"a{le=\"1\"} 1\n", "label \"le\" is reserved for histograms: a{le=\"1\"}"},
      Row{"a{b=\"1\"} 1\na{b=\"1\"} 2\n", "line 2: duplicate series of a"},
      Row{"a{b=\"1\",c=\"2\"} 1\na{c=\"2\",b=\"1\"} 2\n", "line 2: duplicate series of a"},
      Row{"a 1\na 2\n", "line 2: duplicate series of a"},
      Row{"a{b=\"1\",b=\"2\"} 1\n", "line 1: label b repeated"},
      Row{"a 1x\n", "line 1: value \"1x\" is not a number"},
      Row{"a\n", "line 1: value \"\" is not a number"},
      Row{"a 1 12.5\n", "line 1: timestamp \"12.5\" is not an integer"},
      Row{"a 1 2 3\n", "line 1: unexpected \"3\" after the sample"},
      Row{"a{b=1} 1\n", "line 1: label b needs a value in double quotes, closed"},
      Row{"a{b=\"1} 1\n", "line 1: label b needs a value in double quotes, closed"},
      Row{"a{b=\"1\" c=\"2\"} 1\n", "line 1: expected , or } after label b"},
      Row{"a{=\"1\"} 1\n", "line 1: expected a label name and =, not \"=\"1\"} 1\""},
      Row{"a{b-c=\"1\"} 1\n", "line 1: expected a label name and =, not \"-c=\"1\"} 1\""},
      Row{"{a=\"1\"} 1\n", "line 1: expected a metric name, not \"{a=\"1\"} 1\""},
      Row{"1abc 1\n", "line 1: expected a metric name, not \"1abc 1\""},
      Row{"a{__b=\"1\"} 1\n", "invalid label name \"__b\" in a{__b=\"1\"}"},
      Row{"__a 1\n", "invalid metric name \"__a\""},
      Row{"probe_success 1\n", "metric probe_success: probe_* and ssh_probe_exporter_* are the exporter's own names"},
      Row{"ssh_probe_exporter_up 1\n",
          "metric ssh_probe_exporter_up: probe_* and ssh_probe_exporter_* are the exporter's own "
          "names"},
      Row{"# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\n# TYPE h_count gauge\nh_count 2\n",
          "family h_count clashes with family h on h_count"},
  }));
  CAPTURE(text);
  CHECK(parse_error(text) == expected);
}

TEST_CASE("text that OpenMetrics forbids is refused, so both answer formats carry the same samples",
          "[unit][output][prometheus_text]") {
  using Row = std::tuple<std::string, std::string>;
  const auto [text, expected] = GENERATE(table<std::string, std::string>({
      // Two families under one OpenMetrics name: counter foo is foo_total there.
      Row{"# TYPE foo counter\nfoo 1\n# TYPE foo_total gauge\nfoo_total 2\n",
          "family foo_total clashes with family foo on foo_total"},
      Row{"# TYPE foo_total counter\nfoo_total 1\n# TYPE foo gauge\nfoo 2\n",
          "family foo clashes with family foo_total on foo"},
      // Only a gauge or untyped X_created is prometheus_client's created timestamp (dropped below).
      Row{"# TYPE foo counter\nfoo 1\n# TYPE foo_created counter\nfoo_created 2\n",
          "family foo_created clashes with family foo on foo_created"},
      Row{"# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\n# TYPE h_created summary\nh_created_count 1\n",
          "family h_created clashes with family h on h_created"},
      Row{"# TYPE c counter\nc -1\n", "c -1: a counter is never NaN or negative"},
      Row{"# TYPE c counter\nc NaN\n", "c NaN: a counter is never NaN or negative"},
      Row{"# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",
          "histogram h_bucket{le=\"1\"} has no bucket with le=\"+Inf\""},
      Row{"# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_bucket{le=\"1\"} 1\n",
          "h_bucket{le=\"1\"} 1: buckets must come in increasing order of \"le\", each bound once"},
      Row{"# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"1.0\"} 1\nh_bucket{le=\"+Inf\"} 1\n",
          "h_bucket{le=\"1.0\"} 1: buckets must come in increasing order of \"le\", each bound once"},
      Row{"# TYPE h histogram\nh_bucket{le=\"NaN\"} 1\n", "h_bucket{le=\"NaN\"} 1: \"le\" must be a number"},
      Row{"# TYPE h histogram\nh_bucket{le=\"1\"} 3\nh_bucket{le=\"+Inf\"} 2\n",
          "h_bucket{le=\"+Inf\"} 2: buckets are cumulative: a bucket never counts fewer than the one before"},
      Row{"# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1.5\n", "h_bucket{le=\"+Inf\"} 1.5: a count is a whole number"},
      Row{"# TYPE h histogram\nh_bucket{le=\"+Inf\"} -1\n",
          "h_bucket{le=\"+Inf\"} -1: a counter is never NaN or negative"},
      Row{"# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 3\n",
          "h_count 3: _count must equal the le=\"+Inf\" bucket, 2"},
      Row{"# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum NaN\n", "h_sum NaN: a _sum is never NaN"},
      Row{"# TYPE h histogram\nh_bucket{le=\"0\"} 0\nh_bucket{le=\"+Inf\"} 2\nh_sum -1\n",
          "h_sum -1: a negative _sum needs a bucket with a negative bound"},
      Row{"# TYPE h histogram\nh_bucket{a=\"1\",le=\"+Inf\"} 1\nh_bucket{a=\"2\",le=\"+Inf\"} 1\nh_count{a=\"1\"} 1\n",
          "lines of h_count{a=\"1\"} must be together, not split by another metric"},
      Row{"# TYPE s summary\ns{quantile=\"2\"} 1\n", "s{quantile=\"2\"} 1: \"quantile\" must be a number from 0 to 1"},
      Row{"# TYPE s summary\ns{quantile=\"-0.5\"} 1\n",
          "s{quantile=\"-0.5\"} 1: \"quantile\" must be a number from 0 to 1"},
      Row{"# TYPE s summary\ns{quantile=\"NaN\"} 1\n",
          "s{quantile=\"NaN\"} 1: \"quantile\" must be a number from 0 to 1"},
      Row{"# TYPE s summary\ns_sum -1\n", "s_sum -1: a counter is never NaN or negative"},
      Row{"# TYPE s summary\ns_count 0.5\n", "s_count 0.5: a count is a whole number"},
  }));
  CAPTURE(text);
  CHECK(parse_error(text) == expected);
}

TEST_CASE("a family X_created without a counter, histogram or summary X is an ordinary family",
          "[unit][output][prometheus_text]") {
  const auto [text, count] = GENERATE(table<std::string, std::size_t>({
      {"# TYPE foo_created gauge\nfoo_created 1.7e+09\n", 1},
      {"# TYPE foo_created gauge\nfoo_created 1.7e+09\n# TYPE bar counter\nbar 1\n", 2},
      {"foo_created 1.7e+09\n# TYPE foo gauge\nfoo 1\n", 2},
      {"# TYPE foo counter\nfoo_created 1.7e+09\n", 1},  // foo declared, but without samples
  }));
  CAPTURE(text);
  const auto parsed = spe::parse_prometheus_text(text, "");
  INFO((parsed ? std::string() : parsed.error().message));
  REQUIRE(parsed.has_value());
  CHECK(parsed->notes.empty());
  REQUIRE(parsed->families.size() == count);
  CHECK(parsed->families[0].name == "foo_created");
  CHECK(parsed->families[0].samples.size() == 1);
}

TEST_CASE("what OpenMetrics allows passes through as the text format allows it", "[unit][output][prometheus_text]") {
  const auto families = parse_ok(
      "# TYPE h histogram\n"
      "h_bucket{a=\"1\",le=\"-1\"} 0\nh_bucket{a=\"1\",le=\"+1\"} 1\nh_bucket{a=\"1\",le=\"+Inf\"} 1\n"
      "h_sum{a=\"1\"} -0.5\nh_count{a=\"1\"} 1\n"
      "h_bucket{a=\"2\",le=\"+Inf\"} 0\n"
      "# TYPE s summary\ns{quantile=\"0\"} NaN\ns{quantile=\"1\"} -3\ns_sum 0\ns_count 0\n"
      "# TYPE c counter\nc 0\n# TYPE g gauge\ng -1\ng_total NaN\n");
  REQUIRE(families.size() == 5);
  const std::string openmetrics = spe::metrics::write_openmetrics(families);
  CHECK(openmetrics.find("h_bucket{a=\"1\",le=\"1.0\"} 1\n") != std::string::npos);
  CHECK(openmetrics.find("c_total 0\n") != std::string::npos);
}

TEST_CASE("a prefix that makes an exporter name is refused", "[unit][output][prometheus_text]") {
  CHECK(parse_error("success 1\n", "probe_") ==
        "metric probe_success: probe_* and ssh_probe_exporter_* are the exporter's own names");
}

TEST_CASE("hostile Prometheus text is an error within bounds", "[unit][output][prometheus_text]") {
  SECTION("a huge line") {
    const std::string text = "a{b=\"" + std::string(1 << 20, 'x') + "\"} 1\n";
    CHECK(parse_error(text) == "line 1 is longer than 65536 bytes");
  }
  SECTION("millions of lines") {
    std::string text;
    for (int i = 0; i < 2'000'000; ++i) text += "#\n";
    CHECK(parse_error(text) == "more than 100000 lines");
  }
  SECTION("too many labels in all") {
    std::string text;
    for (int i = 0; i < 4000; ++i) {
      text += "m{i=\"" + std::to_string(i) + "\"";
      for (int l = 1; l < 64; ++l) text += ",l" + std::to_string(l) + "=\"\"";
      text += "} 1\n";
    }
    CHECK(parse_error(text) == "line 3126: more than 200000 labels");
  }
  SECTION("arbitrary bytes never crash") {
    std::uint32_t state = 12345;
    const std::string alphabet = std::string("ab_:{}=\",# \n\\\t01.e+-\xFF") + '\0' + "HELPTYPEhistogramsummary";
    for (int round = 0; round < 300; ++round) {
      std::string text;
      for (int i = 0; i < 400; ++i) {
        state = state * 1103515245 + 12345;
        text += alphabet[(state >> 16) % alphabet.size()];
      }
      const auto result = spe::parse_prometheus_text(text, "");
      if (result) {
        // Whatever was accepted writes back as text the parser accepts again, unchanged.
        const std::string written = spe::metrics::write_text(result->families);
        const auto again = spe::parse_prometheus_text(written, "");
        REQUIRE(again.has_value());
        CHECK(spe::metrics::write_text(again->families) == written);
      }
    }
  }
}
