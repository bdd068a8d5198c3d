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

constexpr std::array<std::string_view, 10> kCommandKeys{"name",   "command",    "timeout",          "exit_status",
                                                        "expect", "expect_not", "max_output_bytes", "format",
                                                        "prefix", "gauges"};
constexpr std::array<std::string_view, 8> kGaugeKeys{"name",   "help", "regex", "value",
                                                     "labels", "map",  "scale", "match"};
constexpr std::array<std::string_view, 2> kFormats{"text", "prometheus"};
constexpr std::array<std::string_view, 2> kMatchModes{"each", "first"};
constexpr std::array<std::string_view, 2> kSessionModes{"exec", "shell"};

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

// A line typed into a shell: one line, so that the shell reads it as one command and echoes it
// as one line. Nullopt when it is not (the error is reported).
std::optional<std::string> shell_line(TomlReader& table, std::string_view key, std::string line,
                                      const toml::node& at) {
  if (line.find_first_of(std::string_view("\0\r\n", 3)) == std::string::npos) return line;
  table.error(key, "must be one line without NUL in a shell session (session = \"shell\")", at);
  return std::nullopt;
}

void read_prompt(TomlReader& table, Session& session) {
  session.prompt = table.regex("prompt");
  if (!session.prompt) return;
  // The probe matches the prompt against the last line that arrived, at its end.
  session.prompt_at_end = compile_config_regex("(?:" + session.prompt->pattern() + ")\\z");
  if (!session.prompt_at_end->ok()) {
    table.error("prompt", session.prompt_at_end->error());
  } else if (RE2::PartialMatch("", *session.prompt_at_end)) {
    table.error("prompt",
                "matches an empty line: it must match the device's prompt (\"router1#\"), or every command would "
                "end at its first line break");
  }
}

void read_setup_commands(TomlReader& table, Session& session) {
  const auto lines = table.string_array("setup_commands");
  if (!lines) return;
  for (std::size_t i = 0; i < lines->size(); ++i) {
    const auto& [text, node] = (*lines)[i];
    const std::string key = "setup_commands[" + std::to_string(i) + "]";
    if (auto line = shell_line(table, key, text, *node)) session.setup_commands.push_back(std::move(*line));
  }
}

class CommandsReader {
 public:
  explicit CommandsReader(const Module& module) : module_(module) {}

  std::vector<Command> load(TomlReader& table) {
    table.exclusive("command", "commands");
    table.requires_key("command_expect", "command");
    if (table.has("commands")) return read_full(table);
    if (table.has("command")) return read_simple(table);
    return {};
  }

 private:
  // A command line: libssh sends it as a C string, so a NUL would cut it short; a shell reads
  // one line as one command.
  std::optional<std::string> command_line(TomlReader& table) const {
    auto line = table.string("command");
    if (line && module_.session.mode == SessionMode::shell) {
      return shell_line(table, "command", std::move(*line), *table.find("command"));
    }
    if (line && line->find('\0') != std::string::npos) {
      table.error("command", "must not contain a NUL character");
      return std::nullopt;
    }
    return line;
  }

  // `command` and `command_expect`: one command, named after the module.
  std::vector<Command> read_simple(TomlReader& table) {
    Command command;
    command.name = module_.name;
    command.where = table.file().position(table.find("command")->source());
    if (auto line = command_line(table)) command.command = std::move(*line);
    if (table.has("command_expect")) command.expect = table.regex("command_expect");
    return {std::move(command)};
  }

  std::vector<Command> read_full(TomlReader& module) {
    std::vector<Command> commands;
    for (TomlReader& table : module.tables("commands")) commands.push_back(read_command(table));
    return commands;
  }

  Command read_command(TomlReader& table) {
    table.check_keys(kCommandKeys);
    Command command;
    command.where = table.position();
    read_name(table, command);
    if (!table.has("command")) table.table_error("command is required");
    if (auto line = command_line(table)) command.command = std::move(*line);
    if (const auto timeout = table.duration("timeout")) command.timeout = *timeout;
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
    validate(table, command);
    return command;
  }

  void read_name(TomlReader& table, Command& command) {
    if (auto name = read_entry_name(table, "command", command_names_)) command.name = std::move(*name);
  }

  // The rules between a command's keys, and between it and its module, once every key is read.
  void validate(TomlReader& table, const Command& command) const {
    if (table.has("exit_status") && module_.session.mode == SessionMode::shell) {
      table.error("exit_status",
                  "has no meaning in a shell session (session = \"shell\"): a shell reports no exit status, a "
                  "command ends when the prompt comes back");
    }
    if (command.timeout && *command.timeout > module_.timeout) {
      table.error("timeout",
                  "must not be longer than the module's timeout (" + format_duration(module_.timeout) + ")");
    }
    const toml::node* format = table.find("format");
    const bool format_known = format == nullptr ||
                              (format->as_string() != nullptr &&
                               std::ranges::find(kFormats, format->as_string()->get()) != kFormats.end());
    if (table.has("prefix") && command.format != OutputFormat::prometheus && format_known) {
      table.error("prefix", "needs format = \"prometheus\"");
    }
    if (table.has("gauges") && command.format == OutputFormat::prometheus) {
      table.error("gauges", "only for format = \"text\" (Prometheus text names its own metrics)");
    }
  }

  void read_format(TomlReader& table, Command& command) {
    if (table.choice("format", kFormats) == "prometheus") command.format = OutputFormat::prometheus;
    // A prefix belongs to Prometheus text only (validate says so).
    if (!table.has("prefix") || command.format != OutputFormat::prometheus) return;
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

  void read_gauges(TomlReader& table, Command& command) {
    // Prometheus text names its own metrics (validate says so).
    if (command.format == OutputFormat::prometheus) return;
    for (TomlReader& gauge : table.tables("gauges")) command.gauges.push_back(read_gauge(gauge));
  }

  GaugeRule read_gauge(TomlReader& table) {
    table.check_keys(kGaugeKeys);
    GaugeRule rule;
    rule.where = table.position();
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

  void read_gauge_name(TomlReader& table, GaugeRule& rule) {
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
  static void check_groups(TomlReader& table, const GaugeRule& rule) {
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

  static void read_constant_labels(TomlReader& table, GaugeRule& rule) {
    const auto labels = table.subtable("labels");
    if (!labels) return;
    // Errors through the gauge's reader: its error count decides whether the labels are compared.
    for (const auto& [key, node] : labels->table()) {
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

  static void read_map(TomlReader& table, GaugeRule& rule) {
    const auto words = table.subtable("map");
    if (!words) return;
    for (const auto& [key, node] : words->table()) {
      if (const auto number = TomlReader::number_of(node)) {
        rule.map.emplace(std::string(key.str()), *number);
      } else {
        table.error("map." + std::string(key.str()), "must be a number", node);
      }
    }
  }

  // Rules of one gauge (in any command of the module) make one family, so they must agree on
  // the label names, or the family would mix series of different shapes.
  void check_same_labels(TomlReader& table, const GaugeRule& rule) {
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
  std::map<std::string, std::string> command_names_;  // name -> key path of its command
  // gauge name -> its label names and the key path of its first rule
  std::map<std::string, std::pair<std::vector<std::string>, std::string>> gauge_labels_;
};

}  // namespace

Session load_session(TomlReader& table) {
  Session session;
  if (table.choice("session", kSessionModes) == "shell") session.mode = SessionMode::shell;
  if (session.mode == SessionMode::shell) {
    if (!table.has("prompt")) table.table_error("prompt is required with session = \"shell\"");
    read_prompt(table, session);
    read_setup_commands(table, session);
    return session;
  }
  for (const std::string_view key : {"prompt", "setup_commands"}) {
    if (table.has(key)) table.error(key, "only with session = \"shell\" (commands run by exec here)");
  }
  return session;
}

std::vector<Command> load_commands(TomlReader& table, const Module& module) {
  return CommandsReader(module).load(table);
}

}  // namespace spe
