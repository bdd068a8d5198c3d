#include "metric_model/registry.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "metric_model/model.hpp"
#include "metric_model/names.hpp"

using namespace spe;
using namespace spe::metrics;

namespace {

MetricFamily family(std::string name, MetricType type, std::vector<Sample> samples) {
  return MetricFamily{std::move(name), "Help.", type, std::move(samples)};
}

Sample sample(Labels labels, std::string suffix = {}) { return Sample{std::move(labels), 1, std::move(suffix)}; }

}  // namespace

TEST_CASE("metric names follow [a-zA-Z_:][a-zA-Z0-9_:]* without the __ prefix", "[unit][metrics]") {
  const auto [name, valid] = GENERATE(table<std::string, bool>({
      {"probe_success", true},
      {"_private", true},
      {"job:rate5m", true},
      {":colon_first", true},
      {"a1", true},
      {"", false},
      {"1abc", false},
      {"__reserved", false},
      {"with-dash", false},
      {"with space", false},
      {"caf\xC3\xA9", false},
  }));
  CAPTURE(name);
  CHECK(valid_metric_name(name) == valid);
}

TEST_CASE("label names follow [a-zA-Z_][a-zA-Z0-9_]* without the __ prefix", "[unit][metrics]") {
  const auto [name, valid] = GENERATE(table<std::string, bool>({
      {"reason", true},
      {"_x", true},
      {"le", true},
      {"a9", true},
      {"", false},
      {"9a", false},
      {"__name__", false},
      {"with:colon", false},
      {"with-dash", false},
  }));
  CAPTURE(name);
  CHECK(valid_label_name(name) == valid);
}

TEST_CASE("the registry keeps valid families in the order added", "[unit][metrics]") {
  Registry registry;
  REQUIRE(registry.add(family("zeta", MetricType::gauge, {sample({})})));
  REQUIRE(registry.add(family("alpha_total", MetricType::counter,
                              {sample({{"a", "1"}, {"b", "1"}}), sample({{"a", "1"}, {"b", "2"}})})));
  REQUIRE(registry.add(family("lat_seconds", MetricType::histogram,
                              {sample({{"le", "1"}}, "_bucket"), sample({{"le", "+Inf"}}, "_bucket"),
                               sample({}, "_sum"), sample({}, "_count")})));
  REQUIRE(registry.add(family("empty", MetricType::gauge, {})));
  REQUIRE(registry.families().size() == 4);
  CHECK(registry.families()[0].name == "zeta");
  CHECK(registry.families()[1].name == "alpha_total");
  CHECK(registry.families()[2].name == "lat_seconds");
  CHECK(registry.families()[3].name == "empty");
  CHECK(registry.families()[1].samples.size() == 2);
}

TEST_CASE("the registry refuses invalid families and adds nothing", "[unit][metrics]") {
  // Each row is added to a registry that already holds a gauge "taken" and a histogram "hist".
  using Row = std::tuple<std::string, MetricFamily, std::string>;
  const auto [why, bad, message] = GENERATE(table<std::string, MetricFamily, std::string>({
      Row{"invalid metric name", family("1bad", MetricType::gauge, {sample({})}), "invalid metric name \"1bad\""},
      Row{"reserved metric name", family("__bad", MetricType::gauge, {sample({})}), "invalid metric name \"__bad\""},
      Row{"empty metric name", family("", MetricType::gauge, {sample({})}), "invalid metric name \"\""},
      Row{"invalid label name", family("m", MetricType::gauge, {sample({{"bad-name", "x"}})}),
          "invalid label name \"bad-name\" in m{bad-name=\"x\"}"},
      Row{"reserved label name", family("m", MetricType::gauge, {sample({{"__name__", "x"}})}),
          "invalid label name \"__name__\""},
      Row{"family name already added", family("taken", MetricType::gauge, {sample({})}), "family taken already added"},
      Row{"family re-declared with another type", family("taken", MetricType::counter, {sample({})}),
          "family taken already added"},
      Row{"name clashes with a histogram line", family("hist_count", MetricType::gauge, {sample({})}),
          "family hist_count clashes with family hist on hist_count"},
      Row{"duplicate series, labels in another order",
          family("m", MetricType::gauge, {sample({{"a", "1"}, {"b", "2"}}), sample({{"b", "2"}, {"a", "1"}})}),
          "duplicate series m{b=\"2\",a=\"1\"} in family m"},
      Row{"duplicate series without labels", family("m", MetricType::gauge, {sample({}), sample({})}),
          "duplicate series m in family m"},
      Row{"duplicate histogram bucket",
          family("h", MetricType::histogram, {sample({{"le", "1"}}, "_bucket"), sample({{"le", "1"}}, "_bucket")}),
          "duplicate series h_bucket{le=\"1\"} in family h"},
      Row{"label name repeated in one sample", family("m", MetricType::gauge, {sample({{"a", "1"}, {"a", "2"}})}),
          "label \"a\" repeated in m{a=\"1\",a=\"2\"}"},
      Row{"le on a gauge", family("m", MetricType::gauge, {sample({{"le", "1"}})}),
          "label \"le\" is reserved for histograms: m{le=\"1\"}"},
      Row{"suffix on a gauge", family("m", MetricType::gauge, {sample({}, "_sum")}),
          "suffix \"_sum\" on non-histogram family m"},
      Row{"histogram bucket without le", family("h", MetricType::histogram, {sample({}, "_bucket")}),
          "histogram bucket without \"le\": h_bucket"},
      Row{"le on a histogram sum", family("h", MetricType::histogram, {sample({{"le", "1"}}, "_sum")}),
          "label \"le\" is only for buckets: h_sum{le=\"1\"}"},
      Row{"histogram sample without suffix", family("h", MetricType::histogram, {sample({})}),
          "histogram h sample with suffix \"\""},
  }));
  CAPTURE(why);
  Registry registry;
  REQUIRE(registry.add(family("taken", MetricType::gauge, {sample({})})));
  REQUIRE(registry.add(
      family("hist", MetricType::histogram, {sample({{"le", "+Inf"}}, "_bucket"), sample({}, "_count")})));

  const auto result = registry.add(bad);
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::invalid_argument);
  CHECK_THAT(result.error().message, Catch::Contains(message));
  CHECK(registry.families().size() == 2);
}

TEST_CASE("one label set under different suffixes is different series", "[unit][metrics]") {
  Registry registry;
  CHECK(registry.add(family("h", MetricType::histogram,
                            {sample({{"module", "a"}, {"le", "+Inf"}}, "_bucket"), sample({{"module", "a"}}, "_sum"),
                             sample({{"module", "a"}}, "_count"), sample({{"module", "b"}, {"le", "+Inf"}}, "_bucket"),
                             sample({{"module", "b"}}, "_sum")})));
  CHECK(registry.add(
      family("g", MetricType::gauge, {sample({{"a", "1"}}), sample({{"a", "2"}}), sample({{"b", "1"}})})));
  CHECK(registry.families().size() == 2);
}

TEST_CASE("summaries take quantile lines, _sum and _count, and own those line names", "[unit][metrics]") {
  Registry registry;
  CHECK(registry.add(family("rpc_seconds", MetricType::summary,
                            {sample({{"quantile", "0.5"}}), sample({{"quantile", "0.99"}}), sample({}, "_sum"),
                             sample({}, "_count")})));
  const auto clash = registry.add(family("rpc_seconds_count", MetricType::gauge, {sample({})}));
  REQUIRE_FALSE(clash);
  CHECK(clash.error().message == "family rpc_seconds_count clashes with family rpc_seconds on rpc_seconds_count");
  const auto bucket = registry.add(family("s", MetricType::summary, {sample({}, "_bucket")}));
  REQUIRE_FALSE(bucket);
  CHECK(bucket.error().message == "summary s sample with suffix \"_bucket\" (want none, _sum or _count)");
  const auto bare = registry.add(family("s", MetricType::summary, {sample({})}));
  REQUIRE_FALSE(bare);
  CHECK(bare.error().message == "summary quantile without \"quantile\": s");
  const auto sum = registry.add(family("s", MetricType::summary, {sample({{"quantile", "1"}}, "_sum")}));
  REQUIRE_FALSE(sum);
  CHECK(sum.error().message == "label \"quantile\" is only for quantiles: s_sum{quantile=\"1\"}");
  const auto le = registry.add(family("s", MetricType::summary, {sample({{"le", "1"}, {"quantile", "1"}})}));
  REQUIRE_FALSE(le);
  CHECK(le.error().message == "label \"le\" is reserved for histograms: s{le=\"1\",quantile=\"1\"}");
}

TEST_CASE("line names cover both formats: a counter's OpenMetrics name, _total and _created", "[unit][metrics]") {
  using Names = std::set<std::string>;
  CHECK(line_names(family("c_total", MetricType::counter, {})) == Names{"c", "c_created", "c_total"});
  CHECK(line_names(family("c", MetricType::counter, {})) == Names{"c", "c_created", "c_total"});
  CHECK(line_names(family("h", MetricType::histogram, {})) == Names{"h", "h_bucket", "h_count", "h_created", "h_sum"});
  CHECK(line_names(family("s", MetricType::summary, {})) == Names{"s", "s_count", "s_created", "s_sum"});
  CHECK(line_names(family("g_total", MetricType::gauge, {})) == Names{"g_total"});
  Registry registry;
  REQUIRE(registry.add(family("foo", MetricType::counter, {sample({})})));
  for (const char* name : {"foo_total", "foo_created", "foo_total_created"}) {
    CAPTURE(name);
    const auto added = registry.add(family(name, MetricType::gauge, {sample({})}));
    CHECK(added.has_value() == (std::string(name) == "foo_total_created"));
  }
}

TEST_CASE("probe_* and ssh_probe_exporter_* are the exporter's own names", "[unit][metrics]") {
  CHECK(exporter_metric_name("probe_success"));
  CHECK(exporter_metric_name("ssh_probe_exporter_build_info"));
  CHECK_FALSE(exporter_metric_name("probe"));
  CHECK_FALSE(exporter_metric_name("node_probe_x"));
  CHECK_FALSE(exporter_metric_name("ssh_probe_exporterx"));
}

TEST_CASE("take hands over the families in order and leaves the registry empty", "[unit][metrics]") {
  Registry registry;
  REQUIRE(registry.add(family("b", MetricType::gauge, {sample({})})));
  REQUIRE(registry.add(family("a", MetricType::counter, {sample({})})));
  const std::vector<MetricFamily> taken = std::move(registry).take();
  REQUIRE(taken.size() == 2);
  CHECK(taken[0].name == "b");
  CHECK(taken[1].name == "a");
}
