#include "parse/output.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "config/toml_reader.hpp"
#include "metric_model/exposition.hpp"

using spe::Command;
using spe::GaugeRule;
using spe::MatchMode;
using spe::metrics::Label;
using spe::metrics::Labels;
using spe::metrics::MetricFamily;

namespace {

GaugeRule rule(std::string name, const std::string& regex) {
  GaugeRule rule;
  rule.name = std::move(name);
  rule.regex = spe::compile_config_regex(regex);
  REQUIRE(rule.regex->ok());
  return rule;
}

Command command_with(std::vector<GaugeRule> gauges) {
  Command command;
  command.name = "cmd";
  command.command = "true";
  command.gauges = std::move(gauges);
  return command;
}

std::vector<MetricFamily> derive_ok(const Command& command, std::string_view output) {
  auto result = spe::derive_gauges(command, output);
  INFO((result ? std::string() : result.error().message));
  REQUIRE(result.has_value());
  return std::move(*result);
}

std::string derive_error(const Command& command, std::string_view output) {
  const auto result = spe::derive_gauges(command, output);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == spe::ErrorCode::failed_precondition);
  return result.error().message;
}

// df -P as Debian 12 prints it (1024-byte blocks).
constexpr std::string_view kDf =
    "Filesystem     1024-blocks     Used Available Capacity Mounted on\n"
    "overlay         102626232 41234567  56135220      43% /\n"
    "tmpfs               65536        0     65536       0% /dev\n"
    "/dev/sda1       102626232 41234567  56135220      43% /etc/hosts\n";

constexpr std::string_view kDfRegex = R"(^(?P<device>\S+)\s+\d+\s+(?P<value>\d+)\s+\d+\s+\d+%\s+(?P<mount>/.*)$)";

}  // namespace

TEST_CASE("a regex with named groups gives one labelled series per matching line", "[unit][output]") {
  GaugeRule used = rule("disk_used_bytes", std::string(kDfRegex));
  used.help = "Bytes used per mount.";
  used.scale = 1024;
  const auto families = derive_ok(command_with({used}), kDf);
  REQUIRE(families.size() == 1);
  const MetricFamily& family = families[0];
  CHECK(family.name == "disk_used_bytes");
  CHECK(family.help == "Bytes used per mount.");
  CHECK(family.type == spe::metrics::MetricType::gauge);
  REQUIRE(family.samples.size() == 3);
  CHECK(family.samples[0].labels == Labels{{"device", "overlay"}, {"mount", "/"}});
  CHECK(family.samples[0].value == 41234567.0 * 1024);
  CHECK(family.samples[1].labels == Labels{{"device", "tmpfs"}, {"mount", "/dev"}});
  CHECK(family.samples[1].value == 0);
  CHECK(family.samples[2].labels == Labels{{"device", "/dev/sda1"}, {"mount", "/etc/hosts"}});
  CHECK(family.samples[2].suffix.empty());
}

TEST_CASE("match = first takes the first matching line only", "[unit][output]") {
  GaugeRule first = rule("disk_used_bytes", std::string(kDfRegex));
  first.match = MatchMode::first;
  const auto families = derive_ok(command_with({first}), kDf);
  REQUIRE(families.size() == 1);
  REQUIRE(families[0].samples.size() == 1);
  CHECK(families[0].samples[0].labels == Labels{{"device", "overlay"}, {"mount", "/"}});
}

TEST_CASE("constant labels join group labels, all sorted by name", "[unit][output]") {
  GaugeRule load = rule("node_load", R"(^load (?P<value>[0-9.]+) (?P<window>\w+)$)");
  load.labels = {{"source", "proc"}, {"a_first", "x"}};
  const auto families = derive_ok(command_with({load}), "load 0.25 1m\nload 0.5 5m\n");
  REQUIRE(families[0].samples.size() == 2);
  CHECK(families[0].samples[0].labels == Labels{{"a_first", "x"}, {"source", "proc"}, {"window", "1m"}});
  CHECK(families[0].samples[1].value == 0.5);
}

TEST_CASE("a custom value group, words through map, and scale", "[unit][output]") {
  GaugeRule state = rule("unit_active", R"(^(?P<unit>\S+) (?P<state>\w+)$)");
  state.value_group = "state";
  state.map = {{"active", 1}, {"inactive", 0}, {"failed", -1}};
  state.scale = 2;
  const auto families = derive_ok(command_with({state}), "ssh.service active\ncron.service failed\nx.service 3\n");
  REQUIRE(families[0].samples.size() == 3);
  CHECK(families[0].samples[0].labels == Labels{{"unit", "ssh.service"}});
  CHECK(families[0].samples[0].value == 2);
  CHECK(families[0].samples[1].value == -2);
  CHECK(families[0].samples[2].value == 6);  // numbers need no map entry
}

TEST_CASE("a value that is neither a number nor mapped fails the command", "[unit][output]") {
  GaugeRule state = rule("unit_active", R"(^(?P<unit>\S+) (?P<value>\w+)$)");
  state.map = {{"active", 1}};
  CHECK(derive_error(command_with({state}), "a active\nb activating\n") ==
        "gauge unit_active, line 2: value \"activating\" is neither a number nor a word of its map");
}

TEST_CASE("values read as Prometheus reads them", "[unit][output]") {
  const GaugeRule value = rule("v", R"(^(?P<value>\S+)$)");
  const auto [text, expected] = GENERATE(table<std::string, double>({
      {"42", 42},
      {"-1.5e3", -1500},
      {"+7", 7},
      {".5", 0.5},
      {"+Inf", INFINITY},
      {"-Inf", -INFINITY},
      {"inf", INFINITY},
  }));
  CAPTURE(text);
  const auto families = derive_ok(command_with({value}), text);
  REQUIRE(families[0].samples.size() == 1);
  CHECK(families[0].samples[0].value == expected);
}

TEST_CASE("NaN is a value; 0x10, 1e999 and 1,5 are not", "[unit][output]") {
  const GaugeRule value = rule("v", R"(^(?P<value>\S+)$)");
  CHECK(std::isnan(derive_ok(command_with({value}), "NaN")[0].samples[0].value));
  for (const std::string text : {"0x10", "1e999", "1,5", "+-1", "nan(1)"}) {
    CAPTURE(text);
    CHECK_THAT(derive_error(command_with({value}), text), Catch::Contains("is neither a number"));
  }
}

TEST_CASE("no matching line gives no family, not an empty one", "[unit][output]") {
  const GaugeRule value = rule("v", R"(^value=(?P<value>\d+)$)");
  CHECK(derive_ok(command_with({value}), "nothing here\n").empty());
  CHECK(derive_ok(command_with({value}), "").empty());
}

TEST_CASE("a command without gauges derives nothing, whatever it printed", "[unit][output]") {
  CHECK(derive_ok(command_with({}), std::string(200'000, '\n')).empty());
}

TEST_CASE("two matches with the same labels are a duplicate series", "[unit][output]") {
  const GaugeRule value = rule("temp_celsius", R"(^(?P<sensor>\w+): (?P<value>\d+)$)");
  CHECK(derive_error(command_with({value}), "cpu: 40\ngpu: 50\ncpu: 41\n") ==
        "gauge temp_celsius, line 3: duplicate series temp_celsius{sensor=\"cpu\"}");
}

TEST_CASE("rules with one name make one family; across rules a repeat is a duplicate", "[unit][output]") {
  GaugeRule free = rule("mem_bytes", R"(^MemFree:\s+(?P<value>\d+) kB$)");
  free.labels = {{"kind", "free"}};
  free.scale = 1024;
  free.help = "Memory by kind.";
  GaugeRule total = rule("mem_bytes", R"(^MemTotal:\s+(?P<value>\d+) kB$)");
  total.labels = {{"kind", "total"}};
  total.scale = 1024;
  GaugeRule other = rule("swap_bytes", R"(^SwapTotal:\s+(?P<value>\d+) kB$)");
  const std::string meminfo = "MemTotal: 100 kB\nMemFree: 40 kB\nSwapTotal: 0 kB\n";
  const auto families = derive_ok(command_with({free, other, total}), meminfo);
  REQUIRE(families.size() == 2);
  CHECK(families[0].name == "mem_bytes");
  CHECK(families[0].help == "Memory by kind.");
  REQUIRE(families[0].samples.size() == 2);
  CHECK(families[0].samples[0].labels == Labels{{"kind", "free"}});
  CHECK(families[0].samples[0].value == 40 * 1024);
  CHECK(families[0].samples[1].labels == Labels{{"kind", "total"}});
  CHECK(families[1].name == "swap_bytes");
  CHECK(families[1].help == "From the output of command \"cmd\".");

  GaugeRule again = free;
  again.regex = spe::compile_config_regex(R"(^MemTotal:\s+(?P<value>\d+) kB$)");
  CHECK(derive_error(command_with({free, again}), meminfo) ==
        "gauge mem_bytes, line 1: duplicate series mem_bytes{kind=\"free\"}");
}

TEST_CASE("CRLF output matches as lines without the CR", "[unit][output]") {
  const GaugeRule value = rule("v", R"(^v (?P<value>\d+)$)");
  const auto families = derive_ok(command_with({value}), "v 1\r\nw 2\r\n");
  REQUIRE(families[0].samples.size() == 1);
  CHECK(families[0].samples[0].value == 1);
}

TEST_CASE("an optional group that took no part is an empty label value", "[unit][output]") {
  const GaugeRule value = rule("v", R"(^(?:(?P<tag>[a-z]+)=)?(?P<value>\d+)$)");
  const auto families = derive_ok(command_with({value}), "x=1\n2\n");
  REQUIRE(families[0].samples.size() == 2);
  CHECK(families[0].samples[1].labels == Labels{{"tag", ""}});
}

TEST_CASE("huge lines and too many lines are errors, not unbounded work", "[unit][output]") {
  const GaugeRule value = rule("v", R"(^(?P<value>\d+)$)");
  SECTION("a line longer than the cap") {
    const std::string output = "1\n" + std::string(spe::kMaxOutputLineBytes + 1, 'x') + "\n";
    CHECK(derive_error(command_with({value}), output) == "line 2 is longer than 65536 bytes");
  }
  SECTION("a line at the cap is fine") {
    const std::string output = std::string(spe::kMaxOutputLineBytes - 1, '0') + "7";
    CHECK(derive_ok(command_with({value}), output)[0].samples[0].value == 7);
  }
  SECTION("more lines than the cap") {
    std::string output;
    for (std::size_t i = 0; i <= spe::kMaxOutputLines; ++i) output += "\n";
    CHECK(derive_error(command_with({value}), output) == "more than 100000 lines");
  }
  SECTION("exactly the cap of lines is fine") {
    const GaugeRule numbered = rule("v", R"(^(?P<id>(?P<value>\d+))$)");
    std::string output;
    for (std::size_t i = 0; i < spe::kMaxOutputLines; ++i) output += std::to_string(i) + "\n";
    const auto families = derive_ok(command_with({numbered}), output);
    CHECK(families[0].samples.size() == spe::kMaxOutputLines);
  }
}

TEST_CASE("derive_metrics picks the parser the format calls for", "[unit][output]") {
  Command prometheus = command_with({});
  prometheus.format = spe::OutputFormat::prometheus;
  prometheus.prefix = "app_";
  const auto families = spe::derive_metrics(prometheus, "up 1\n");
  REQUIRE(families.has_value());
  REQUIRE(families->families.size() == 1);
  CHECK(families->families[0].name == "app_up");
  const auto text = spe::derive_metrics(command_with({rule("v", R"(^(?P<value>\d+)$)")}), "5\n");
  REQUIRE(text.has_value());
  CHECK(text->families[0].samples[0].value == 5);
  CHECK(text->notes.empty());
}
