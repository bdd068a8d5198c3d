// libFuzzer target: any bytes as the output of a command with RE2 gauge rules (value groups, label
// groups, a word map, a scale, match = first, two rules sharing one gauge). derive_gauges must return
// families or an error, never crash, and every family it returns must be valid exposition.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include "config/toml_reader.hpp"
#include "metric_model/exposition.hpp"
#include "parse/output.hpp"

namespace {

spe::GaugeRule rule(std::string name, const std::string& regex) {
  spe::GaugeRule rule;
  rule.name = std::move(name);
  rule.regex = spe::compile_config_regex(regex);
  if (!rule.regex->ok()) std::abort();
  return rule;
}

spe::Command make_command() {
  spe::Command command;
  command.name = "fuzz";
  command.command = "true";

  auto disk = rule("disk_used_bytes", R"(^(?P<device>\S+)\s+(?P<mount>/\S*)\s+(?P<value>\S+)$)");
  disk.scale = 1024;
  disk.help = "Used bytes per mount.";
  command.gauges.push_back(std::move(disk));

  auto state = rule("unit_active", R"(^(?P<unit>[\w.@-]+): (?P<value>\w+)$)");
  state.map = {{"active", 1}, {"inactive", 0}, {"failed", -1}};
  command.gauges.push_back(std::move(state));

  auto first = rule("load1", R"(load average: (?P<value>[^,\s]+))");
  first.match = spe::MatchMode::first;
  command.gauges.push_back(std::move(first));

  auto a = rule("pair", R"(^a (?P<key>[^=]*)=(?P<value>\S+))");
  a.labels = {{"side", "a"}};
  command.gauges.push_back(std::move(a));
  auto b = rule("pair", R"(^b (?P<key>[^=]*)=(?P<optional>x)?(?P<value>\S+))");
  b.labels = {{"side", "b"}};
  command.gauges.push_back(std::move(b));
  return command;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const spe::Command command = make_command();
  const std::string_view output(reinterpret_cast<const char*>(data), size);
  const auto families = spe::derive_gauges(command, output);
  if (!families) return 0;
  const std::string written = spe::metrics::write_text(*families);
  if (!spe::parse_prometheus_text(written, "")) std::abort();  // gauges the exporter would serve must parse
  return 0;
}
