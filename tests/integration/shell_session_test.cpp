// session = "shell": commands typed into an interactive shell on a pty, against a network device's command line
// (tests/support/device_cli: a prompt, paging, colours, and exec refused), run by a test sshd as its ForceCommand.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "support/probe_bed.hpp"
#include "support/text.hpp"

using namespace spe::test;
using namespace std::chrono_literals;

namespace {

const std::string kShell = "session = \"shell\"\nprompt = '(?m)^[\\w.-]+[>#] ?$'\n";
const std::string kSetup = "setup_commands = [\"terminal length 0\"]\n";

std::string command(const std::string& module, const std::string& name, const std::string& line,
                    const std::string& extra = "") {
  return "[[modules." + module + ".commands]]\nname = \"" + name + "\"\ncommand = \"" + line + "\"\n" + extra;
}

struct DeviceBed {
  std::unique_ptr<TestSshd> device = TestSshd::start_separate({"ForceCommand " SPE_DEVICE_CLI});
  TempDir dir{"spe-shell"};
  std::unique_ptr<ExporterProcess> exporter;

  DeviceBed() {
    const TestSshd& d = *device;
    std::string config;
    config += key_module(d, "router", kShell + kSetup) +
              command("router", "version", "show version",
                      "expect = \"uptime is 5 weeks\"\n"
                      "[[modules.router.commands.gauges]]\nname = \"device_uptime_seconds\"\n"
                      "regex = 'uptime is (?P<value>\\d+) weeks'\nscale = 604800\n") +
              command("router", "interfaces", "show interfaces",
                      "expect = '(?m)\\AGigabitEthernet0/0 is up.*\\n(?s:.*)^GigabitEthernet0/47 is up.*\\n\\z'\n"
                      "expect_not = 'More|router1#|show interfaces'\n") +
              command("router", "unknown", "show bogus", "expect_not = '% Invalid input'\n") +
              command("router", "after", "show version");
    config += key_module(d, "exec", "") + command("exec", "version", "show version");
    config += key_module(d, "paging", "timeout = \"5s\"\n" + kShell) +
              command("paging", "interfaces", "show interfaces", "timeout = \"1s\"\n") +
              command("paging", "version", "show version");
    config += key_module(d, "wrong_prompt", "timeout = \"5s\"\nsession = \"shell\"\nprompt = '^switch\\d+#$'\n") +
              command("wrong_prompt", "version", "show version", "timeout = \"1s\"\n");
    config += key_module(d, "capped", kShell + kSetup) +
              command("capped", "interfaces", "show interfaces", "max_output_bytes = 300\n") +
              command("capped", "version", "show version", "expect = \"Version 1.0\"\n");
    config += shipped_module(d, "network_device");
    const auto path = dir.path() / "exporter.toml";
    write_file(path, config);
    exporter = std::make_unique<ExporterProcess>(path.string());
  }

  // modules/NAME.toml, logging in to `d` as its user with its key.
  static std::string shipped_module(const TestSshd& d, const std::string& name) {
    std::string text = read_file(std::string(SPE_SOURCE_DIR) + "/modules/" + name + ".toml");
    text = replace_all(text, "\"../.demo/id_ed25519\"", toml_string(d.key_path()));
    text = replace_all(text, "\"../.demo/known_hosts\"", toml_string(d.known_hosts_path()));
    const std::string header = "[modules." + name + "]\n";
    return "\n" + replace_all(text, header, header + "user = " + toml_string(d.user()) + "\n");
  }

  static DeviceBed& shared() {
    static DeviceBed bed;
    return bed;
  }

  HttpResponse probe(const std::string& module, bool debug = false) {
    return http_get(exporter->port(),
                    "/probe?target=" + device->target() + "&module=" + module + (debug ? "&debug=true" : ""), {}, 15s);
  }
};

// The body of `response`, checked to be the answer of a probe that failed with `reason`.
std::string failed_with(const HttpResponse& response, const std::string& reason) {
  INFO(response.body);
  REQUIRE(response.status == 200);
  CHECK(metric_value(response.body, "probe_success") == 0);
  CHECK(failure_reason_of(response.body) == reason);
  return response.body;
}

// A debug=true probe of `module` that must fail with reason timeout: its body, and in `elapsed` how long it took.
std::string timed_out_probe(const std::string& module, std::chrono::steady_clock::duration& elapsed) {
  const auto start = std::chrono::steady_clock::now();
  const auto response = DeviceBed::shared().probe(module, true);
  elapsed = std::chrono::steady_clock::now() - start;
  return failed_with(response, "timeout");
}

// The body of a probe of `module`, checked to be an answer promtool accepts.
std::string checked_probe(const std::string& module) {
  const auto response = DeviceBed::shared().probe(module);
  INFO(response.body);
  REQUIRE(response.status == 200);
  const auto check = promtool_check_metrics(response.body);
  INFO(check.output);
  CHECK(check.exit_code == 0);
  return response.body;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a shell module types its commands at the device's prompt and reads their output", "[integration]") {
  const std::string body = checked_probe("router");
  INFO(body);
  CHECK(metric_value(body, "probe_success") == 0);  // "unknown" fails on purpose
  CHECK(failure_reason_of(body) == "command_output");
  // The colour code inside "5 weeks" is gone before the expectation and the gauge read it.
  CHECK(command_metric(body, "probe_ssh_command_success", "version") == 1);
  CHECK(metric_value(body, "device_uptime_seconds") == 5 * 604800);
  // terminal length 0 went first: 48 lines without a pager, no echo and no prompt in the output.
  CHECK(command_metric(body, "probe_ssh_command_success", "interfaces") == 1);
  CHECK(command_metric(body, "probe_ssh_command_success", "unknown") == 0);
  // The prompt came back after the unknown command: the next one ran.
  CHECK(command_metric(body, "probe_ssh_command_success", "after") == 1);
  // A shell has no exit status.
  CHECK(command_metric(body, "probe_ssh_command_exit_status", "version") == -1);
  CHECK(command_metric(body, "probe_ssh_command_output_truncated", "interfaces") == 0);

  const auto debug = DeviceBed::shared().probe("router", true);
  CHECK(contains(debug.body, "setup command done"));
  CHECK(contains(debug.body, "output of \\\"unknown\\\" matches expect_not /% Invalid input/"));
}

TEST_CASE("exec against a device that answers only on a shell fails with its refusal in the debug log",
          "[integration]") {
  const std::string body = failed_with(DeviceBed::shared().probe("exec", true), "command_exit");
  INFO(body);
  CHECK(command_metric(body, "probe_ssh_command_exit_status", "version") == 1);
  CHECK(contains(body, "stderr=\"% exec not supported\""));
}

TEST_CASE("a pager waiting for a key times the command out; the commands after it do not run", "[integration]") {
  std::chrono::steady_clock::duration elapsed{};
  const std::string body = timed_out_probe("paging", elapsed);
  INFO(body);
  CHECK(command_metric(body, "probe_ssh_command_success", "interfaces") == 0);
  CHECK(command_metric(body, "probe_ssh_command_success", "version") == 0);
  CHECK(command_metric(body, "probe_ssh_command_duration_seconds", "version") == 0);
  // Why is in the log: the last line that arrived.
  CHECK(contains(body, "no prompt in time"));
  CHECK(contains(body, "last_line=\" --More-- \""));
  CHECK(contains(body, "command not run"));
  // At the command's 1 s timeout, not the module's 5 s.
  CHECK(elapsed < 4s);
}

TEST_CASE("a prompt pattern the device's prompt does not match is a timeout of the first command", "[integration]") {
  std::chrono::steady_clock::duration elapsed{};
  const std::string body = timed_out_probe("wrong_prompt", elapsed);
  INFO(body);
  CHECK(command_metric(body, "probe_ssh_command_success", "version") == 0);
  CHECK(contains(body, "last_line=router1#"));
  CHECK(elapsed >= 1s);
  CHECK(elapsed < 4s);
}

TEST_CASE("output past max_output_bytes is cut, the prompt still ends the command", "[integration]") {
  const auto response = DeviceBed::shared().probe("capped");
  INFO(response.body);
  REQUIRE(response.status == 200);
  CHECK(metric_value(response.body, "probe_success") == 1);
  CHECK(command_metric(response.body, "probe_ssh_command_output_truncated", "interfaces") == 1);
  CHECK(command_metric(response.body, "probe_ssh_command_success", "version") == 1);
}

TEST_CASE("a server that refuses a pty fails the shell module with command_exit and says so", "[integration]") {
  const auto device = TestSshd::start_separate({"ForceCommand " SPE_DEVICE_CLI, "PermitTTY no"});
  TempDir dir{"spe-shell-nopty"};
  const auto path = dir.path() / "exporter.toml";
  write_file(path, key_module(*device, "router", kShell) + command("router", "version", "show version"));
  ExporterProcess exporter(path.string());
  const auto response = http_get(exporter.port(), "/probe?target=" + device->target() + "&module=router&debug=true",
                                 {}, 15s);
  const std::string body = failed_with(response, "command_exit");
  INFO(body);
  CHECK(command_metric(body, "probe_ssh_command_success", "version") == 0);
  CHECK(contains(body, "shell refused"));
  CHECK(contains(body, "the server refused a pty: Channel request pty-req failed"));
}

TEST_CASE("the shipped module network_device reads the device's interfaces", "[integration]") {
  const std::string body = checked_probe("network_device");
  INFO(body);
  CHECK(metric_value(body, "probe_success") == 1);
  CHECK(count_series(body, "network_device_interface_up") == 48);
  CHECK(metric_value(body, "network_device_interface_up", {{"interface", "GigabitEthernet0/0"}}) == 1);
  CHECK(metric_value(body, "network_device_interface_up", {{"interface", "GigabitEthernet0/4"}}) == 0);
}
