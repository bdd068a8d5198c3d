#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <string>
#include <tuple>

#include "config/load.hpp"
#include "config/render.hpp"
#include "parse/output.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

const std::string kData = SPE_TEST_DATA;
const std::string kFile = kData + "/config/x.toml";
// Modules in the texts below start with this: credentials and host key policy, lines 1-3.
const std::string kHead = "[modules.web]\npassword = \"pw\"\ninsecure_ignore_host_key = true\n";

std::string expand(std::string text) {
  for (auto pos = text.find("$F"); pos != std::string::npos; pos = text.find("$F", pos)) {
    text.replace(pos, 2, kFile);
    pos += kFile.size();
  }
  return text;
}

spe::ConfigErrors errors_of(const std::string& text, const std::string& file = kFile) {
  const auto result = spe::load_config_text(text, file);
  REQUIRE_FALSE(result.has_value());
  return result.error();
}

spe::ExporterConfig load_ok(const std::string& text, const std::string& file = kFile) {
  auto result = spe::load_config_text(text, file);
  INFO((result ? std::string() : result.error().to_string()));
  REQUIRE(result.has_value());
  return std::move(*result);
}

using spe::test::TempDir;

const std::string kModuleOk = "password = \"pw\"\ninsecure_ignore_host_key = true\n";

}  // namespace

TEST_CASE("every command key loads into the model", "[unit][config][commands]") {
  const auto result = spe::load_config_file(kData + "/config/commands.toml");
  INFO((result ? std::string() : result.error().to_string()));
  REQUIRE(result.has_value());

  const spe::Module& simple = result->modules.at("simple");
  REQUIRE(simple.commands.size() == 1);
  const spe::Command& uptime = simple.commands[0];
  CHECK(uptime.name == "simple");
  CHECK(uptime.command == "uptime");
  REQUIRE(uptime.expect);
  CHECK(uptime.expect->pattern() == "load average");
  CHECK_FALSE(uptime.expect_not);
  CHECK_FALSE(uptime.timeout);
  CHECK(uptime.exit_status == 0);
  CHECK(uptime.max_output_bytes == 65536);
  CHECK(uptime.format == spe::OutputFormat::text);
  CHECK(uptime.gauges.empty());
  CHECK(uptime.where.line == 6);
  CHECK(uptime.where.column == 11);

  const spe::Module& full = result->modules.at("full");
  REQUIRE(full.commands.size() == 3);
  const spe::Command& df = full.commands[0];
  CHECK(df.name == "df");
  CHECK(df.command == "df -P");
  CHECK(df.timeout == std::chrono::milliseconds(3000));
  CHECK(df.exit_status == 1);
  REQUIRE(df.expect);
  CHECK(df.expect->pattern() == "Filesystem");
  REQUIRE(df.expect_not);
  CHECK(df.expect_not->pattern() == "(?i)error");
  CHECK(df.max_output_bytes == 1048576);
  CHECK(df.where.line == 14);
  REQUIRE(df.gauges.size() == 2);
  const spe::GaugeRule& used = df.gauges[0];
  CHECK(used.name == "disk_used_bytes");
  CHECK(used.help == "Bytes used per mount.");
  REQUIRE(used.regex);
  CHECK(used.regex->ok());
  CHECK(used.value_group == "used");
  CHECK(used.labels == std::map<std::string, std::string>{{"source", "df"}});
  CHECK(used.scale == 1024);
  CHECK(used.match == spe::MatchMode::first);
  CHECK(used.where.line == 24);
  CHECK(used.where.column == 3);
  const spe::GaugeRule& state = df.gauges[1];
  CHECK(state.value_group == "value");
  CHECK(state.map == std::map<std::string, double>{{"active", 1}, {"inactive", 0}, {"failing", -0.5}});
  CHECK(state.scale == 1);
  CHECK(state.match == spe::MatchMode::each);
  CHECK(state.help.empty());

  const spe::Command& text = full.commands[1];
  CHECK(text.name == "node.text-2");
  CHECK(text.format == spe::OutputFormat::prometheus);
  CHECK(text.prefix == "node_");
  CHECK(text.gauges.empty());

  CHECK(full.commands[2].name == "defaults");
  CHECK(full.commands[2].max_output_bytes == 65536);
  CHECK(result->modules.at("full").timeout == std::chrono::seconds(8));
}

TEST_CASE("loaded rules derive what they say", "[unit][config][commands]") {
  const auto config = load_ok(kHead +
                              "[[modules.web.commands]]\n"
                              "name = \"meminfo\"\n"
                              "command = \"cat /proc/meminfo\"\n"
                              "  [[modules.web.commands.gauges]]\n"
                              "  name = \"mem_bytes\"\n"
                              "  regex = '^(?P<kind>Mem\\w+):\\s+(?P<value>\\d+) kB$'\n"
                              "  scale = 1024\n");
  const spe::Command& command = config.modules.at("web").commands.at(0);
  const auto families = spe::derive_gauges(command, "MemTotal:  2 kB\nMemFree:  1 kB\nSwapTotal: 5 kB\n");
  REQUIRE(families.has_value());
  REQUIRE(families->size() == 1);
  REQUIRE((*families)[0].samples.size() == 2);
  CHECK((*families)[0].samples[1].labels == spe::metrics::Labels{{"kind", "MemFree"}});
  CHECK((*families)[0].samples[1].value == 1024);
}

TEST_CASE("commands = [] is a module without commands", "[unit][config][commands]") {
  CHECK(load_ok(kHead + "commands = []\n").modules.at("web").commands.empty());
  CHECK(load_ok(kHead).modules.at("web").commands.empty());
}

TEST_CASE("each bad command key is reported with its key path and position", "[unit][config][commands]") {
  using Row = std::tuple<std::string, std::string>;
  const std::string c = "[[modules.web.commands]]\nname = \"a\"\ncommand = \"true\"\n";  // 4-6
  const std::string g = c + "[[modules.web.commands.gauges]]\nname = \"g\"\n";           // 7-8
  const auto [text, expected] = GENERATE_REF(table<std::string, std::string>({
      Row{"command = \"uptime\"\ncommands = []\n",
          "modules.web.command: cannot be used together with commands at $F:4:11"},
      Row{"command_expect = \"up\"\n", "modules.web.command_expect: needs command at $F:4:18"},
      Row{"command = \"uptime\"\ncommand_expect = \"(\"\n", "modules.web.command_expect: missing ): ( at $F:5:18"},
      Row{"command = 5\n", "modules.web.command: must be a string at $F:4:11"},
      Row{"command = \"\"\n", "modules.web.command: must not be empty at $F:4:11"},
      Row{"command = \"a\\u0000b\"\n", "modules.web.command: must not contain a NUL character at $F:4:11"},
      Row{"commands = \"df\"\n",
          "modules.web.commands: must be an array of tables ([[modules.web.commands]]) at $F:4:12"},
      Row{"commands = [1]\n", "modules.web.commands[0]: must be a table at $F:4:13"},
      Row{"[[modules.web.commands]]\ncommand = \"true\"\n", "modules.web.commands[0]: name is required at $F:4:1"},
      Row{"[[modules.web.commands]]\nname = \"a\"\n", "modules.web.commands[0]: command is required at $F:4:1"},
      Row{"[[modules.web.commands]]\nname = \"a b\"\ncommand = \"true\"\n",
          "modules.web.commands[0].name: command name must match [A-Za-z0-9_.-]+ at $F:5:8"},
      Row{c + "[[modules.web.commands]]\nname = \"a\"\ncommand = \"true\"\n",
          "modules.web.commands[1].name: \"a\" is already the name of modules.web.commands[0] at "
          "$F:8:8"},
      Row{c + "colour = \"blue\"\n", "modules.web.commands[0].colour: unknown key at $F:7:1"},
      Row{c + "timeout = \"5x\"\n",
          "modules.web.commands[0].timeout: invalid duration \"5x\": unknown unit \"x\" at "
          "$F:7:11"},
      Row{c + "timeout = 5\n",
          "modules.web.commands[0].timeout: must be a duration string such as \"10s\" at $F:7:11"},
      Row{c + "timeout = \"0s\"\n", "modules.web.commands[0].timeout: must be greater than 0 at $F:7:11"},
      Row{c + "timeout = \"11s\"\n",
          "modules.web.commands[0].timeout: must not be longer than the module's timeout (10s) at "
          "$F:7:11"},
      Row{c + "exit_status = 256\n",
          "modules.web.commands[0].exit_status: must be an integer from 0 to 255 at $F:7:15"},
      Row{c + "exit_status = \"0\"\n",
          "modules.web.commands[0].exit_status: must be an integer from 0 to 255 at $F:7:15"},
      Row{c + "expect = \"(\"\n", "modules.web.commands[0].expect: missing ): ( at $F:7:10"},
      Row{c + "expect_not = \"[a\"\n", "modules.web.commands[0].expect_not: missing ]: [a at $F:7:14"},
      Row{c + "expect = '\\pL{1000}'\n",
          "modules.web.commands[0].expect: pattern too large - compile failed at $F:7:10"},
      Row{c + "max_output_bytes = 0\n",
          "modules.web.commands[0].max_output_bytes: must be an integer from 1 to 16777216 at "
          "$F:7:20"},
      Row{c + "max_output_bytes = 16777217\n",
          "modules.web.commands[0].max_output_bytes: must be an integer from 1 to 16777216 at "
          "$F:7:20"},
      Row{c + "format = \"json\"\n", "modules.web.commands[0].format: must be \"text\" or \"prometheus\" at $F:7:10"},
      Row{c + "prefix = \"node_\"\n", "modules.web.commands[0].prefix: needs format = \"prometheus\" at $F:7:10"},
      Row{c + "format = \"prometheus\"\nprefix = \"1x_\"\n",
          "modules.web.commands[0].prefix: \"1x_\" cannot begin a metric name (names are "
          "[a-zA-Z_:][a-zA-Z0-9_:]*, not starting with __) at $F:8:10"},
      Row{c + "format = \"prometheus\"\nprefix = \"probe_x_\"\n",
          "modules.web.commands[0].prefix: \"probe_x_\" would put the command's metrics among the "
          "exporter's own (probe_*, ssh_probe_exporter_*) at $F:8:10"},
      Row{c + "format = \"prometheus\"\ngauges = []\n",
          "modules.web.commands[0].gauges: only for format = \"text\" (Prometheus text names its "
          "own metrics) at $F:8:10"},
      Row{c + "gauges = 1\n",
          "modules.web.commands[0].gauges: must be an array of tables "
          "([[modules.web.commands[0].gauges]]) at $F:7:10"},
      Row{c + "[[modules.web.commands.gauges]]\nregex = '(?P<value>\\d+)'\n",
          "modules.web.commands[0].gauges[0]: name is required at $F:7:1"},
      Row{g, "modules.web.commands[0].gauges[0]: regex is required at $F:7:1"},
      Row{g + "regex = '(?P<value>\\d+'\n",
          "modules.web.commands[0].gauges[0].regex: missing ): (?P<value>\\d+ at $F:9:9"},
      Row{g + "regex = '(?P<value>\\d+)'\ncolour = 1\n",
          "modules.web.commands[0].gauges[0].colour: unknown key at $F:10:1"},
      Row{c + "[[modules.web.commands.gauges]]\nname = \"1x\"\nregex = '(?P<value>\\d+)'\n",
          "modules.web.commands[0].gauges[0].name: \"1x\" is not a valid metric name "
          "([a-zA-Z_:][a-zA-Z0-9_:]*, not starting with __) at $F:8:8"},
      Row{c + "[[modules.web.commands.gauges]]\nname = \"probe_load\"\nregex = '(?P<value>\\d+)'\n",
          "modules.web.commands[0].gauges[0].name: \"probe_load\" clashes with the exporter's own "
          "metrics (probe_*, ssh_probe_exporter_*) at $F:8:8"},
      Row{c + "[[modules.web.commands.gauges]]\nname = \"ssh_probe_exporter_x\"\n"
              "regex = '(?P<value>\\d+)'\n",
          "modules.web.commands[0].gauges[0].name: \"ssh_probe_exporter_x\" clashes with the "
          "exporter's own metrics (probe_*, ssh_probe_exporter_*) at $F:8:8"},
      Row{g + "regex = '(\\d+)'\n",
          "modules.web.commands[0].gauges[0].regex: has no group named \"value\": name the value's "
          "group (?P<value>...) or set value at $F:9:9"},
      Row{g + "regex = '(?P<value>\\d+)'\nvalue = \"used\"\n",
          "modules.web.commands[0].gauges[0].value: regex has no group named \"used\" at $F:10:9"},
      Row{g + "regex = '(?P<command>\\w+) (?P<value>\\d+)'\n",
          "modules.web.commands[0].gauges[0].regex: group \"command\" cannot be a label "
          "(\"command\" is reserved for the per-command series) at $F:9:9"},
      Row{g + "regex = '(?P<le>\\w+) (?P<value>\\d+)'\n",
          "modules.web.commands[0].gauges[0].regex: group \"le\" cannot be a label (\"le\" is "
          "reserved for histogram buckets) at $F:9:9"},
      Row{g + "regex = '(?P<__x>\\w+) (?P<value>\\d+)'\n",
          "modules.web.commands[0].gauges[0].regex: group \"__x\" cannot be a label (label names "
          "are [a-zA-Z_][a-zA-Z0-9_]*, not starting with __) at $F:9:9"},
      Row{g + "regex = '(?P<1x>\\w+) (?P<value>\\d+)'\n",
          "modules.web.commands[0].gauges[0].regex: group \"1x\" cannot be a label (label names "
          "are [a-zA-Z_][a-zA-Z0-9_]*, not starting with __) at $F:9:9"},
      Row{g + "regex = '(?P<value>\\d+) (?P<value>\\d+)'\n",
          "modules.web.commands[0].gauges[0].regex: group \"value\" is named twice at $F:9:9"},
      Row{g + "regex = '(?P<value>\\d+)'\nlabels = { command = \"x\" }\n",
          "modules.web.commands[0].gauges[0].labels.command: invalid label name (\"command\" is "
          "reserved for the per-command series) at $F:10:22"},
      Row{g + "regex = '(?P<value>\\d+)'\nlabels = { \"a-b\" = \"x\" }\n",
          "modules.web.commands[0].gauges[0].labels.a-b: invalid label name (label names are "
          "[a-zA-Z_][a-zA-Z0-9_]*, not starting with __) at $F:10:20"},
      Row{g + "regex = '(?P<mount>\\S+) (?P<value>\\d+)'\nlabels = { mount = \"x\" }\n",
          "modules.web.commands[0].gauges[0].labels.mount: is also a named group of regex; a label "
          "has one source at $F:10:20"},
      Row{g + "regex = '(?P<value>\\d+)'\nlabels = { a = 1 }\n",
          "modules.web.commands[0].gauges[0].labels.a: must be a string at $F:10:16"},
      Row{g + "regex = '(?P<value>\\d+)'\nlabels = \"a\"\n",
          "modules.web.commands[0].gauges[0].labels: must be a table at $F:10:10"},
      Row{g + "regex = '(?P<value>\\w+)'\nmap = { active = \"yes\" }\n",
          "modules.web.commands[0].gauges[0].map.active: must be a number at $F:10:18"},
      Row{g + "regex = '(?P<value>\\d+)'\nscale = \"1024\"\n",
          "modules.web.commands[0].gauges[0].scale: must be a finite number at $F:10:9"},
      Row{g + "regex = '(?P<value>\\d+)'\nscale = inf\n",
          "modules.web.commands[0].gauges[0].scale: must be a finite number at $F:10:9"},
      Row{g + "regex = '(?P<value>\\d+)'\nmatch = \"all\"\n",
          "modules.web.commands[0].gauges[0].match: must be \"each\" or \"first\" at $F:10:9"},
      Row{g + "regex = '(?P<a>\\w) (?P<value>\\d+)'\n"
              "[[modules.web.commands]]\nname = \"b\"\ncommand = \"true\"\n"
              "[[modules.web.commands.gauges]]\nname = \"g\"\nregex = '(?P<value>\\d+)'\n"
              "labels = { b = \"1\" }\n",
          "modules.web.commands[1].gauges[0].name: gauge g has labels [b] here but [a] at "
          "modules.web.commands[0].gauges[0]; all rules of one gauge need the same label names at "
          "$F:14:8"},
  }));
  CAPTURE(text);
  const spe::ConfigErrors errors = errors_of(kHead + text);
  CHECK(errors.to_string() == expand(expected));
  CHECK(errors.errors.size() == 1);
}

TEST_CASE("a shell session module loads its prompt, setup commands and one-line commands",
          "[unit][config][commands]") {
  const auto config = load_ok(kHead +
                              "session = \"shell\"\n"
                              "prompt = '(?m)^[\\w.-]+[>#] ?$'\n"
                              "setup_commands = [\"terminal length 0\", \"terminal width 0\"]\n"
                              "[[modules.web.commands]]\nname = \"version\"\ncommand = \"show version\"\n");
  const spe::Module& module = config.modules.at("web");
  CHECK(module.session.mode == spe::SessionMode::shell);
  REQUIRE(module.session.prompt);
  CHECK(module.session.prompt->pattern() == "(?m)^[\\w.-]+[>#] ?$");
  REQUIRE(module.session.prompt_at_end);
  // Anchored at the end of the text: a prompt followed by more is no prompt.
  CHECK(RE2::PartialMatch("banner\nrouter1#", *module.session.prompt_at_end));
  CHECK(RE2::PartialMatch("router1> ", *module.session.prompt_at_end));
  CHECK_FALSE(RE2::PartialMatch("router1#\nmore", *module.session.prompt_at_end));
  CHECK(module.session.setup_commands == std::vector<std::string>{"terminal length 0", "terminal width 0"});
  CHECK(module.commands.at(0).command == "show version");
  CHECK(load_ok(kHead).modules.at("web").session.mode == spe::SessionMode::exec);
}

TEST_CASE("each bad session key is reported with its key path and position", "[unit][config][commands]") {
  using Row = std::tuple<std::string, std::string>;
  const std::string shell = "session = \"shell\"\nprompt = '#$'\n";  // lines 4-5
  const std::string c = "[[modules.web.commands]]\nname = \"a\"\ncommand = \"show a\"\n";
  const auto [text, expected] = GENERATE_REF(table<std::string, std::string>({
      Row{"session = \"telnet\"\n", "modules.web.session: must be \"exec\" or \"shell\" at $F:4:11"},
      Row{"session = \"shell\"\n", "modules.web: prompt is required with session = \"shell\" at $F:1:1"},
      Row{"prompt = '#$'\n",
          "modules.web.prompt: only with session = \"shell\" (commands run by exec here) at $F:4:10"},
      Row{"session = \"exec\"\nsetup_commands = [\"x\"]\n",
          "modules.web.setup_commands: only with session = \"shell\" (commands run by exec here) at $F:5:18"},
      Row{"session = \"shell\"\nprompt = '(#'\n", "modules.web.prompt: missing ): (# at $F:5:10"},
      Row{"session = \"shell\"\nprompt = '(?m)^.*$'\n",
          "modules.web.prompt: matches an empty line: it must match the device's prompt (\"router1#\"), or every "
          "command would end at its first line break at $F:5:10"},
      Row{shell + "setup_commands = []\n", "modules.web.setup_commands: must not be empty at $F:6:18"},
      Row{shell + "setup_commands = [\"a\\nb\"]\n",
          "modules.web.setup_commands[0]: must be one line without NUL in a shell session (session = \"shell\") "
          "at $F:6:19"},
      Row{shell + "command = \"show a\\r\"\n",
          "modules.web.command: must be one line without NUL in a shell session (session = \"shell\") at $F:6:11"},
      Row{shell + c + "exit_status = 0\n",
          "modules.web.commands[0].exit_status: has no meaning in a shell session (session = \"shell\"): a shell "
          "reports no exit status, a command ends when the prompt comes back at $F:9:15"},
  }));
  CAPTURE(text);
  const spe::ConfigErrors errors = errors_of(kHead + text);
  CHECK(errors.to_string() == expand(expected));
  CHECK(errors.errors.size() == 1);
}

TEST_CASE("rules of one gauge may repeat across commands with the same labels", "[unit][config][commands]") {
  const auto config = load_ok(kHead +
                              "[[modules.web.commands]]\nname = \"a\"\ncommand = \"true\"\n"
                              "  [[modules.web.commands.gauges]]\n  name = \"g\"\n"
                              "  regex = '(?P<x>\\w) (?P<value>\\d+)'\n"
                              "[[modules.web.commands]]\nname = \"b\"\ncommand = \"true\"\n"
                              "  [[modules.web.commands.gauges]]\n  name = \"g\"\n"
                              "  regex = '(?P<n>\\d+)'\n  value = \"n\"\n  labels = { x = \"b\" }\n");
  CHECK(config.modules.at("web").commands.size() == 2);
}

TEST_CASE("included files add modules; errors name the file they are in", "[unit][config][include]") {
  SECTION("globs, an explicit file and the main file itself, each loaded once") {
    const auto result = spe::load_config_file(kData + "/config/include/main.toml");
    INFO((result ? std::string() : result.error().to_string()));
    REQUIRE(result.has_value());
    std::set<std::string> names;
    for (const auto& [name, module] : result->modules) names.insert(name);
    CHECK(names == std::set<std::string>{"a", "b1", "b2", "main"});
    const spe::Module& a = result->modules.at("a");
    CHECK(a.where.file == kData + "/config/include/modules/a.toml");
    CHECK(a.where.line == 1);
    // Paths in an included file are relative to that file.
    REQUIRE(a.auth.password.has_value());
    CHECK(a.auth.password->reveal() == "probe-password");
    CHECK(a.auth.password_file == kData + "/config/password.txt");
    CHECK(a.commands.at(0).name == "a");
    CHECK(result->modules.at("b2").where.file == kData + "/config/include/modules/b.toml");
  }
  TempDir dir;
  const std::string main = (dir.path() / "exporter.toml").string();
  SECTION("a module defined twice names both places") {
    dir.write("modules/one.toml", "\n[modules.web]\n" + kModuleOk);
    dir.write("modules/two.toml", "[modules.web]\n" + kModuleOk);
    const auto errors = errors_of("include = [\"modules/*.toml\"]\n[modules.web]\n" + kModuleOk, main);
    CHECK(errors.to_string() == "modules.web: module also defined at " + main + ":2:1 at " +
                                    (dir.path() / "modules/one.toml").string() + ":2:1\n" +
                                    "modules.web: module also defined at " + main + ":2:1 at " +
                                    (dir.path() / "modules/two.toml").string() + ":1:1");
  }
  SECTION("errors of the main file come first, then each included file's, in its own positions") {
    dir.write("modules/bad.toml", "[modules.bad]\n" + kModuleOk + "port = 0\ncommand = 1\n");
    const auto errors = errors_of("include = [\"modules/*.toml\"]\ncolour = 1\n", main);
    const std::string bad = (dir.path() / "modules/bad.toml").string();
    CHECK(errors.to_string() == "colour: unknown key at " + main + ":2:1\n" +
                                    "modules.bad.port: must be an integer from 1 to 65535 at " + bad + ":4:8\n" +
                                    "modules.bad.command: must be a string at " + bad + ":5:11");
  }
  SECTION("an included file may not include") {
    dir.write("modules/nested.toml", "include = [\"*.toml\"]\n");
    const auto errors = errors_of("include = [\"modules/nested.toml\"]\n", main);
    CHECK(errors.to_string() == "include: only the main config file may include files at " +
                                    (dir.path() / "modules/nested.toml").string() + ":1:1");
  }
  SECTION("an included file holds modules only") {
    dir.write("modules/x.toml", "scrape_interval = \"1m\"\n");
    const auto errors = errors_of("include = [\"modules/x.toml\"]\n", main);
    CHECK(errors.to_string() ==
          "scrape_interval: unknown key at " + (dir.path() / "modules/x.toml").string() + ":1:1");
  }
  SECTION("a file named without wildcards must exist; a glob may match nothing") {
    const auto errors = errors_of("include = [\"none/*.toml\", \"missing.toml\"]\n", main);
    CHECK(errors.to_string() == "include[1]: cannot read \"" + (dir.path() / "missing.toml").string() +
                                    "\": No such file or directory at " + main + ":1:27");
    CHECK(load_ok("include = [\"none/*.toml\"]\n" + kHead, main).modules.size() == 1);
    // With no module anywhere, the config is an error.
    CHECK(errors_of("include = [\"none/*.toml\"]\n", main).to_string() ==
          "modules: none defined: the included files define no [modules.NAME] table either at " + main + ":1:1");
  }
  SECTION("a directory matched by a glob cannot be read") {
    fs::create_directories(dir.path() / "modules/dir.toml");
    const auto errors = errors_of("include = [\"modules/*.toml\"]\n", main);
    CHECK(errors.to_string() == "include[0]: cannot read \"" + (dir.path() / "modules/dir.toml").string() +
                                    "\": not a regular file (a directory) at " + main + ":1:12");
  }
  SECTION("include must be an array of non-empty strings") {
    CHECK(errors_of("include = \"modules/*.toml\"\n", main).to_string() ==
          "include: must be an array of strings (globs such as \"modules/*.toml\") at " + main + ":1:11");
    CHECK(errors_of("include = [\"\", 3]\n", main).to_string() ==
          "include[0]: must be a non-empty string at " + main + ":1:12\n" +
              "include[1]: must be a non-empty string at " + main + ":1:16");
  }
  SECTION("an absolute glob is used as it is") {
    const std::string other = dir.write("elsewhere/m.toml", "[modules.m]\n" + kModuleOk);
    const auto config = load_ok("include = [\"" + other + "\"]\n", kFile);
    CHECK(config.modules.at("m").where.file == other);
  }
}

TEST_CASE("exporter.toml and every module in modules/ load, each file one module of its name",
          "[unit][config][modules]") {
  // A copy of the repository's files with test keys where the quick start's .demo/ would be, so
  // the test needs no demo sshd.
  const fs::path root = fs::path(kData).parent_path().parent_path();
  TempDir dir;
  fs::create_directories(dir.path() / ".demo");
  fs::copy_file(kData + "/keys/id_ed25519", dir.path() / ".demo/id_ed25519");
  fs::copy_file(kData + "/keys/known_hosts", dir.path() / ".demo/known_hosts");
  fs::copy_file(root / "exporter.toml", dir.path() / "exporter.toml");
  fs::create_directories(dir.path() / "modules");
  std::set<std::string> expected{"default"};
  for (const auto& entry : fs::directory_iterator(root / "modules")) {
    if (entry.path().extension() != ".toml") continue;
    fs::copy_file(entry.path(), dir.path() / "modules" / entry.path().filename());
    expected.insert(entry.path().stem().string());
  }
  REQUIRE(expected.size() >= 9);

  const auto result = spe::load_config_file((dir.path() / "exporter.toml").string());
  INFO((result ? std::string() : result.error().to_string()));
  REQUIRE(result.has_value());
  std::set<std::string> loaded;
  for (const auto& [name, module] : result->modules) {
    loaded.insert(name);
    if (name == "default") continue;
    CHECK(module.where.file == (dir.path() / "modules" / (name + ".toml")).string());
    CHECK(module.auth.key.has_value());
    CHECK(module.host_key.known_hosts == (dir.path() / ".demo/known_hosts").string());
  }
  CHECK(loaded == expected);

  // What each module runs and the families it can yield (the header comment of each file says
  // the same; a prometheus-format command's families come from its output).
  using Shape = std::map<std::string, std::vector<std::string>>;  // command -> gauge names
  const std::map<std::string, Shape> shapes{
      {"login", {}},
      {"uptime", {{"uptime", {"host_uptime_seconds", "host_load1", "host_load5", "host_load15"}}}},
      {"memory", {{"meminfo", {"host_memory_bytes"}}}},
      {"disk", {{"df", {"host_filesystem_size_bytes", "host_filesystem_used_bytes", "host_filesystem_avail_bytes"}}}},
      {"readonly_fs", {{"mounts", {"host_readonly_filesystems", "host_filesystem_readonly"}}}},
      {"systemd_failed",
       {{"failed_units", {"host_systemd_booted", "host_systemd_failed_units", "host_systemd_unit_failed"}}}},
      {"time_sync", {{"clock", {"host_time_seconds", "host_time_synchronized"}}}},
      {"reboot_required", {{"reboot_required", {"host_reboot_required"}}}},
      {"process_count", {{"processes", {"host_processes"}}}},
      {"node_prometheus", {{"proc_stats", {}}}},
      {"network_device", {{"version", {}}, {"interfaces", {"network_device_interface_up"}}}},
  };
  for (const auto& [module_name, shape] : shapes) {
    CAPTURE(module_name);
    REQUIRE(result->modules.contains(module_name));
    Shape found;
    for (const spe::Command& command : result->modules.at(module_name).commands) {
      auto& gauges = found[command.name];
      for (const spe::GaugeRule& rule : command.gauges) gauges.push_back(rule.name);
    }
    CHECK(found == shape);
  }
  CHECK(result->modules.at("node_prometheus").commands.at(0).format == spe::OutputFormat::prometheus);
  CHECK(result->modules.at("node_prometheus").commands.at(0).prefix == "host_");
  CHECK(result->modules.at("network_device").session.mode == spe::SessionMode::shell);
}

TEST_CASE("an sftp table loads with its defaults and every key", "[unit][config][sftp]") {
  CHECK_FALSE(load_ok(kHead).modules.at("web").sftp.has_value());
  const auto defaults = load_ok(kHead + "[modules.web.sftp]\n").modules.at("web").sftp;
  REQUIRE(defaults.has_value());
  CHECK(defaults->path == ".");
  CHECK_FALSE(defaults->list);
  CHECK_FALSE(defaults->write_test);
  CHECK(defaults->write_test_bytes == 4096);
  CHECK_FALSE(defaults->min_free_bytes.has_value());
  CHECK(defaults->where.line == 4);

  const auto config = load_ok(kHead +
                              "[modules.web.sftp]\npath = \"upload\"\nlist = true\nwrite_test = true\n"
                              "write_test_bytes = 100000\nmin_free_bytes = 1073741824\n");
  const spe::Module& module = config.modules.at("web");
  REQUIRE(module.sftp.has_value());
  CHECK(module.commands.empty());
  CHECK(module.sftp->path == "upload");
  CHECK(module.sftp->list);
  CHECK(module.sftp->write_test);
  CHECK(module.sftp->write_test_bytes == 100000);
  CHECK(module.sftp->min_free_bytes == 1073741824u);
  CHECK(spe::render_module(module).find("[modules.web.sftp]\npath = \"upload\"\nlist = true\nwrite_test = true\n"
                                        "write_test_bytes = 100000\nmin_free_bytes = 1073741824\n") !=
        std::string::npos);
}

TEST_CASE("each bad sftp key is reported with its key path and position", "[unit][config][sftp]") {
  using Row = std::tuple<std::string, std::string>;
  const auto [text, expected] = GENERATE_REF(table<std::string, std::string>({
      Row{"sftp = 1\n", "modules.web.sftp: must be a table at $F:4:8"},
      Row{"[modules.web.sftp]\ncolour = 1\n", "modules.web.sftp.colour: unknown key at $F:5:1"},
      Row{"[modules.web.sftp]\npath = \"\"\n", "modules.web.sftp.path: must not be empty at $F:5:8"},
      Row{"[modules.web.sftp]\npath = \"a\\u0000b\"\n", "modules.web.sftp.path: must not contain NUL at $F:5:8"},
      Row{"[modules.web.sftp]\nlist = \"yes\"\n",
          "modules.web.sftp.list: must be a boolean (true or false) at $F:5:8"},
      Row{"[modules.web.sftp]\nwrite_test = true\nwrite_test_bytes = 0\n",
          "modules.web.sftp.write_test_bytes: must be an integer from 1 to 16777216 at $F:6:20"},
      Row{"[modules.web.sftp]\nwrite_test_bytes = 10\n",
          "modules.web.sftp.write_test_bytes: needs write_test at $F:5:20"},
      Row{"[modules.web.sftp]\nmin_free_bytes = -1\n",
          "modules.web.sftp.min_free_bytes: must be an integer from 0 to 9223372036854775807 at $F:5:18"},
  }));
  CAPTURE(text);
  CHECK(errors_of(kHead + text).to_string() == expand(expected));
}
