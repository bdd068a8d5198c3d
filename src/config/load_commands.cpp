#include "config/load_commands.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <span>
#include <utility>

#include "metric_model/names.hpp"
#include "util/duration.hpp"

namespace spe {
namespace {

constexpr std::array<std::string_view, 10> kCommandKeys{
    "name",       "command",          "timeout", "exit_status", "expect",
    "expect_not", "max_output_bytes", "format",  "prefix",      "gauges"};
constexpr std::array<std::string_view, 8> kGaugeKeys{"name",   "help", "regex", "value",
                                                     "labels", "map",  "scale", "match"};
constexpr std::array<std::string_view, 2> kFormats{"text", "prometheus"};
constexpr std::array<std::string_view, 2> kMatchModes{"each", "first"};

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

bool valid_command_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

// Why `name` cannot label a derived gauge, or nullopt if it can. "command" names the command in
// the per-command series; "le" belongs to histogram buckets (the Registry refuses it on a gauge).
std::optional<std::string> label_name_problem(std::string_view name) {
  if (!metrics::valid_label_name(name)) {
    return "label names are [a-zA-Z_][a-zA-Z0-9_]*, not starting with __";
  }
  if (name == "command") return "\"command\" is reserved for the per-command series";
  if (name == "le") return "\"le\" is reserved for histogram buckets";
  return std::nullopt;
}

std::string listed(const std::vector<std::string>& names) {
  std::string out = "[";
  for (std::size_t i = 0; i < names.size(); ++i) out += (i > 0 ? ", " : "") + names[i];
  return out + "]";
}

// One TOML table being read: its key path, and getters that report a wrong type or value (and
// return nullopt for it, as for a missing key).
class TableReader {
 public:
  TableReader(const toml::table& table, std::string path, const ConfigErrorSink& sink)
      : table_(table), path_(std::move(path)), sink_(sink) {}

  const toml::table& table() const { return table_; }
  const std::string& path() const { return path_; }
  std::size_t errors() const { return errors_; }
  const toml::node* find(std::string_view key) const { return table_.get(key); }
  bool has(std::string_view key) const { return find(key) != nullptr; }

  void error(std::string_view key, const std::string& what, const toml::node& at) {
    report(path_ + "." + std::string(key), what, at.source());
  }
  void error(std::string_view key, const std::string& what) { error(key, what, *find(key)); }
  void table_error(const std::string& what) { report(path_, what, table_.source()); }

  void check_keys(std::span<const std::string_view> known) {
    for (const auto& [key, node] : table_) {
      if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
        report(path_ + "." + std::string(key.str()), "unknown key", key.source());
      }
    }
  }

  std::optional<std::string> string(std::string_view key) {
    const toml::node* node = find(key);
    if (node == nullptr) return std::nullopt;
    const auto* value = node->as_string();
    if (value == nullptr) {
      error(key, "must be a string");
      return std::nullopt;
    }
    if (value->get().empty()) {
      error(key, "must not be empty");
      return std::nullopt;
    }
    return value->get();
  }

  std::optional<std::string> required_string(std::string_view key) {
    if (!has(key)) table_error(std::string(key) + " is required");
    return string(key);
  }

  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max) {
    const toml::node* node = find(key);
    if (node == nullptr) return std::nullopt;
    const auto* value = node->as_integer();
    if (value == nullptr || value->get() < min || value->get() > max) {
      error(key, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
      return std::nullopt;
    }
    return value->get();
  }

  // An integer or a float, finite.
  std::optional<double> number(std::string_view key) {
    const toml::node* node = find(key);
    if (node == nullptr) return std::nullopt;
    const auto value = number_of(*node);
    if (!value || !std::isfinite(*value)) error(key, "must be a finite number");
    return value && std::isfinite(*value) ? value : std::nullopt;
  }

  // One of `choices`, spelled exactly.
  std::optional<std::string> choice(std::string_view key,
                                    std::span<const std::string_view> choices) {
    const toml::node* node = find(key);
    if (node == nullptr) return std::nullopt;
    const auto* value = node->as_string();
    if (value != nullptr &&
        std::find(choices.begin(), choices.end(), value->get()) != choices.end()) {
      return value->get();
    }
    error(key, "must be " + in_quotes(choices[0]) + " or " + in_quotes(choices[1]));
    return std::nullopt;
  }

  // A compiled regex, or null when missing or bad (reported with RE2's reason).
  std::shared_ptr<const RE2> regex(std::string_view key) {
    const auto pattern = string(key);
    if (!pattern) return nullptr;
    auto regex = compile_config_regex(*pattern);
    if (regex->ok()) return regex;
    error(key, regex->error());
    return nullptr;
  }

  // The tables of `key = [{...}]` or [[path.key]], each with its key path ("path.key[2]").
  std::vector<std::pair<const toml::table*, std::string>> tables(std::string_view key) {
    std::vector<std::pair<const toml::table*, std::string>> out;
    const toml::node* node = find(key);
    if (node == nullptr) return out;
    const auto* array = node->as_array();
    if (array == nullptr) {
      error(key, "must be an array of tables ([[" + path_ + "." + std::string(key) + "]])");
      return out;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
      const std::string element = std::string(key) + "[" + std::to_string(i) + "]";
      if (const auto* table = array->get(i)->as_table()) {
        out.emplace_back(table, path_ + "." + element);
      } else {
        error(element, "must be a table", *array->get(i));
      }
    }
    return out;
  }

  const toml::table* subtable(std::string_view key) {
    const toml::node* node = find(key);
    if (node == nullptr) return nullptr;
    if (node->as_table() == nullptr) error(key, "must be a table");
    return node->as_table();
  }

  static std::optional<double> number_of(const toml::node& node) {
    if (const auto* value = node.as_integer()) return static_cast<double>(value->get());
    if (const auto* value = node.as_floating_point()) return value->get();
    return std::nullopt;
  }

 private:
  void report(const std::string& path, const std::string& what, const toml::source_region& at) {
    ++errors_;
    sink_(path, what, at);
  }

  const toml::table& table_;
  std::string path_;
  const ConfigErrorSink& sink_;
  std::size_t errors_ = 0;
};

class CommandsReader {
 public:
  CommandsReader(const Module& module, const std::string& file, const ConfigErrorSink& sink)
      : module_(module), file_(file), sink_(sink) {}

  std::vector<Command> load(TableReader& table) {
    if (table.has("command") && table.has("commands")) {
      table.error("command", "cannot be used together with commands");
    }
    if (table.has("command_expect") && !table.has("command")) {
      table.error("command_expect", "needs command");
    }
    if (table.has("commands")) return read_full(table);
    if (table.has("command")) return read_simple(table);
    return {};
  }

 private:
  SourcePos position(const toml::source_region& region) const {
    return SourcePos{file_, static_cast<int>(region.begin.line),
                     static_cast<int>(region.begin.column)};
  }

  // A command line: libssh sends it as a C string, so a NUL would cut it short.
  static std::optional<std::string> command_line(TableReader& table) {
    auto line = table.string("command");
    if (line && line->find('\0') != std::string::npos) {
      table.error("command", "must not contain a NUL character");
      return std::nullopt;
    }
    return line;
  }

  // `command` and `command_expect`: one command, named after the module.
  std::vector<Command> read_simple(TableReader& table) {
    Command command;
    command.name = module_.name;
    command.where = position(table.find("command")->source());
    if (auto line = command_line(table)) command.command = std::move(*line);
    if (table.has("command_expect")) command.expect = table.regex("command_expect");
    return {std::move(command)};
  }

  std::vector<Command> read_full(TableReader& module) {
    std::vector<Command> commands;
    for (const auto& [table, path] : module.tables("commands")) {
      TableReader reader(*table, path, sink_);
      commands.push_back(read_command(reader));
    }
    return commands;
  }

  Command read_command(TableReader& table) {
    table.check_keys(kCommandKeys);
    Command command;
    command.where = position(table.table().source());
    read_name(table, command);
    if (!table.has("command")) table.table_error("command is required");
    if (auto line = command_line(table)) command.command = std::move(*line);
    read_timeout(table, command);
    if (const auto status = table.integer("exit_status", 0, 255)) {
      command.exit_status = static_cast<int>(*status);
    }
    if (table.has("expect")) command.expect = table.regex("expect");
    if (table.has("expect_not")) command.expect_not = table.regex("expect_not");
    if (const auto cap = table.integer("max_output_bytes", 1, kMaxOutputBytesLimit)) {
      command.max_output_bytes = static_cast<std::size_t>(*cap);
    }
    read_format(table, command);
    read_gauges(table, command);
    return command;
  }

  void read_name(TableReader& table, Command& command) {
    const auto name = table.required_string("name");
    if (!name) return;
    command.name = *name;
    if (!valid_command_name(*name)) {
      table.error("name", "command name must match [A-Za-z0-9_.-]+");
    } else if (const auto [it, fresh] = command_names_.try_emplace(*name, table.path()); !fresh) {
      table.error("name", in_quotes(*name) + " is already the name of " + it->second);
    }
  }

  void read_timeout(TableReader& table, Command& command) {
    const toml::node* node = table.find("timeout");
    if (node == nullptr) return;
    if (node->as_string() == nullptr) {
      table.error("timeout", "must be a duration string such as \"10s\"");
      return;
    }
    const auto timeout = parse_duration(node->as_string()->get());
    if (!timeout) {
      table.error("timeout", timeout.error().message);
    } else if (timeout->count() <= 0) {
      table.error("timeout", "must be greater than 0");
    } else if (*timeout > module_.timeout) {
      table.error("timeout", "must not be longer than the module's timeout (" +
                                 format_duration(module_.timeout) + ")");
    } else {
      command.timeout = *timeout;
    }
  }

  void read_format(TableReader& table, Command& command) {
    const auto format = table.choice("format", kFormats);
    if (format == "prometheus") command.format = OutputFormat::prometheus;
    const bool format_known = format || !table.has("format");
    if (!table.has("prefix")) return;
    if (command.format != OutputFormat::prometheus) {
      if (format_known) table.error("prefix", "needs format = \"prometheus\"");
      return;
    }
    const auto prefix = table.string("prefix");
    if (!prefix) return;
    if (!metrics::valid_metric_name(*prefix)) {
      table.error("prefix", in_quotes(*prefix) +
                                " cannot begin a metric name (names are "
                                "[a-zA-Z_:][a-zA-Z0-9_:]*, not starting with __)");
    } else if (metrics::exporter_metric_name(*prefix)) {
      table.error("prefix", in_quotes(*prefix) +
                                " would put the command's metrics among the "
                                "exporter's own (probe_*, ssh_probe_exporter_*)");
    } else {
      command.prefix = *prefix;
    }
  }

  void read_gauges(TableReader& table, Command& command) {
    if (!table.has("gauges")) return;
    if (command.format == OutputFormat::prometheus) {
      table.error("gauges", "only for format = \"text\" (Prometheus text names its own metrics)");
      return;
    }
    for (const auto& [gauge_table, path] : table.tables("gauges")) {
      TableReader reader(*gauge_table, path, sink_);
      command.gauges.push_back(read_gauge(reader));
    }
  }

  GaugeRule read_gauge(TableReader& table) {
    table.check_keys(kGaugeKeys);
    GaugeRule rule;
    rule.where = position(table.table().source());
    read_gauge_name(table, rule);
    if (auto help = table.string("help")) rule.help = std::move(*help);
    if (auto value = table.string("value")) rule.value_group = std::move(*value);
    if (!table.has("regex")) table.table_error("regex is required");
    rule.regex = table.regex("regex");
    if (rule.regex) check_groups(table, rule);
    read_constant_labels(table, rule);
    read_map(table, rule);
    if (const auto scale = table.number("scale")) rule.scale = *scale;
    if (table.choice("match", kMatchModes) == "first") rule.match = MatchMode::first;
    if (table.errors() == 0) check_same_labels(table, rule);
    return rule;
  }

  void read_gauge_name(TableReader& table, GaugeRule& rule) {
    const auto name = table.required_string("name");
    if (!name) return;
    rule.name = *name;
    if (!metrics::valid_metric_name(*name)) {
      table.error("name", in_quotes(*name) +
                              " is not a valid metric name "
                              "([a-zA-Z_:][a-zA-Z0-9_:]*, not starting with __)");
    } else if (metrics::exporter_metric_name(*name)) {
      table.error("name", in_quotes(*name) +
                              " clashes with the exporter's own metrics "
                              "(probe_*, ssh_probe_exporter_*)");
    }
  }

  // The value group must exist; every other named group becomes a label, so must be able to.
  static void check_groups(TableReader& table, const GaugeRule& rule) {
    // RE2 accepts two groups of one name and then reports only one of them.
    std::map<std::string, int> uses;
    for (const auto& [index, name] : rule.regex->CapturingGroupNames()) {
      if (++uses[name] == 2) table.error("regex", "group " + in_quotes(name) + " is named twice");
    }
    const auto& groups = rule.regex->NamedCapturingGroups();
    if (!groups.contains(rule.value_group)) {
      if (table.has("value")) {
        table.error("value", "regex has no group named " + in_quotes(rule.value_group));
      } else {
        table.error("regex",
                    "has no group named \"value\": name the value's group "
                    "(?P<value>...) or set value");
      }
    }
    for (const auto& [name, index] : groups) {
      if (name == rule.value_group) continue;
      if (const auto problem = label_name_problem(name)) {
        table.error("regex", "group " + in_quotes(name) + " cannot be a label (" + *problem + ")");
      }
    }
  }

  static void read_constant_labels(TableReader& table, GaugeRule& rule) {
    const toml::table* labels = table.subtable("labels");
    if (labels == nullptr) return;
    for (const auto& [key, node] : *labels) {
      const std::string name(key.str());
      const std::string path = "labels." + name;
      if (const auto problem = label_name_problem(name)) {
        table.error(path, "invalid label name (" + *problem + ")", node);
      } else if (rule.regex && rule.regex->NamedCapturingGroups().contains(name)) {
        table.error(path, "is also a named group of regex; a label has one source", node);
      } else if (const auto* value = node.as_string()) {
        rule.labels.emplace(name, value->get());
      } else {
        table.error(path, "must be a string", node);
      }
    }
  }

  static void read_map(TableReader& table, GaugeRule& rule) {
    const toml::table* words = table.subtable("map");
    if (words == nullptr) return;
    for (const auto& [key, node] : *words) {
      if (const auto number = TableReader::number_of(node)) {
        rule.map.emplace(std::string(key.str()), *number);
      } else {
        table.error("map." + std::string(key.str()), "must be a number", node);
      }
    }
  }

  // Rules of one gauge (in any command of the module) make one family, so they must agree on
  // the label names, or the family would mix series of different shapes.
  void check_same_labels(TableReader& table, const GaugeRule& rule) {
    std::vector<std::string> names;
    for (const auto& [name, index] : rule.regex->NamedCapturingGroups()) {
      if (name != rule.value_group) names.push_back(name);
    }
    for (const auto& [name, value] : rule.labels) names.push_back(name);
    std::ranges::sort(names);
    const auto [it, fresh] = gauge_labels_.try_emplace(rule.name, names, table.path());
    if (!fresh && it->second.first != names) {
      table.error("name", "gauge " + rule.name + " has labels " + listed(names) + " here but " +
                              listed(it->second.first) + " at " + it->second.second +
                              "; all rules of one gauge need the same label names");
    }
  }

  const Module& module_;
  const std::string& file_;
  const ConfigErrorSink& sink_;
  std::map<std::string, std::string> command_names_;  // name -> key path of its command
  // gauge name -> its label names and the key path of its first rule
  std::map<std::string, std::pair<std::vector<std::string>, std::string>> gauge_labels_;
};

}  // namespace

std::shared_ptr<const RE2> compile_config_regex(const std::string& pattern) {
  RE2::Options options(RE2::Quiet);
  options.set_max_mem(kRegexMaxMemory);
  return std::make_shared<const RE2>(pattern, options);
}

std::vector<Command> load_commands(const toml::table& table, const std::string& path,
                                   const Module& module, const std::string& file,
                                   const ConfigErrorSink& error) {
  TableReader reader(table, path, error);
  return CommandsReader(module, file, error).load(reader);
}

}  // namespace spe
