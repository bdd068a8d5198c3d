// Commands run over the probe's SSH connection to the real sshd: several per probe, exit statuses,
// expectations, derived gauges, timeouts, huge output, signals.
#include <catch2/catch.hpp>

#include <chrono>

#include "support/configured_exporter.hpp"
#include "support/probe_bed.hpp"

using namespace spe::test;

namespace {

struct CommandBed {
  TempDir dir{"spe-commands"};
  std::unique_ptr<ExporterProcess> exporter;

  CommandBed() {
    auto& sshd = TestSshd::shared();
    const std::string login = "user = " + toml_string(sshd.user()) +
                              "\nprivate_key = " + toml_string(sshd.key_path()) +
                              "\nknown_hosts = " + toml_string(sshd.known_hosts_path()) + "\n";
    std::string config;
    config += "[modules.several]\n" + login +
              "[[modules.several.commands]]\nname = \"echo\"\ncommand = \"echo hello\"\nexpect = \"^hello\"\n"
              "[[modules.several.commands]]\nname = \"exit3\"\ncommand = \"exit 3\"\nexit_status = 3\n"
              "[[modules.several.commands]]\nname = \"streams\"\ncommand = \"echo out; echo err >&2\"\n"
              "expect = \"^out\\n$\"\nexpect_not = \"err\"\n"
              "[[modules.several.commands]]\nname = \"load\"\ncommand = \"printf 'load 1.5\\\\nload 2.5\\\\n'\"\n"
              "[[modules.several.commands.gauges]]\nname = \"test_load\"\nhelp = \"A load.\"\n"
              "regex = \"load (?P<value>[0-9.]+)\"\nmatch = \"first\"\n\n";
    config += "[modules.exit_unexpected]\n" + login +
              "[[modules.exit_unexpected.commands]]\nname = \"exit3\"\ncommand = \"exit 3\"\n\n";
    config += "[modules.expect_fails]\n" + login +
              "[[modules.expect_fails.commands]]\nname = \"hello\"\ncommand = \"echo hello\"\nexpect = \"bye\"\n\n";
    config += "[modules.expect_not_fails]\n" + login +
              "[[modules.expect_not_fails.commands]]\nname = \"hello\"\ncommand = \"echo an error\"\n"
              "expect_not = \"error\"\n\n";
    config += "[modules.forever]\n" + login + "timeout = \"2s\"\n" +
              "[[modules.forever.commands]]\nname = \"sleep\"\ncommand = \"sleep 1000\"\n\n";
    config += "[modules.command_timeout]\n" + login + "timeout = \"5s\"\n" +
              "[[modules.command_timeout.commands]]\nname = \"sleep\"\ncommand = \"sleep 1000\"\ntimeout = \"1s\"\n"
              "[[modules.command_timeout.commands]]\nname = \"after\"\ncommand = \"echo still here\"\n\n";
    config += "[modules.huge]\n" + login + "timeout = \"10s\"\n" +
              "[[modules.huge.commands]]\nname = \"zeros\"\ncommand = \"head -c 50000000 /dev/zero\"\n\n";
    config += "[modules.stderr_flood]\n" + login + "timeout = \"2s\"\n" +
              "[[modules.stderr_flood.commands]]\nname = \"flood\"\ncommand = \"cat /dev/zero >&2\"\n\n";
    config += "[modules.killed]\n" + login +
              "[[modules.killed.commands]]\nname = \"term\"\ncommand = \"kill -TERM $$\"\n\n";
    // Three commands writing one series foo: the first one's value stays, the later ones fail.
    config += "[modules.clash]\n" + login +
              "[[modules.clash.commands]]\nname = \"first\"\ncommand = \"echo foo 1\"\nformat = \"prometheus\"\n"
              "[[modules.clash.commands]]\nname = \"again\"\ncommand = \"echo foo 2\"\nformat = \"prometheus\"\n"
              "[[modules.clash.commands]]\nname = \"gauge\"\ncommand = \"echo foo 3\"\n"
              "[[modules.clash.commands.gauges]]\nname = \"foo\"\nregex = \"foo (?P<value>[0-9]+)\"\n\n";
    // What Python's prometheus_client writes for a counter and a histogram: a _created gauge each.
    config += "[modules.python_client]\n" + login +
              "[[modules.python_client.commands]]\nname = \"client\"\nformat = \"prometheus\"\n" +
              R"(command = """printf '# HELP requests_total Requests.\n# TYPE requests_total counter\n)"
              R"(requests_total 3.0\n# HELP requests_created Requests.\n# TYPE requests_created gauge\n)"
              R"(requests_created 1.7e+09\n# HELP latency_seconds Latency.\n# TYPE latency_seconds histogram\n)"
              R"(latency_seconds_bucket{le="0.5"} 1.0\nlatency_seconds_bucket{le="+Inf"} 2.0\n)"
              R"(latency_seconds_count 2.0\nlatency_seconds_sum 1.5\n# HELP latency_seconds_created Latency.\n)"
              R"(# TYPE latency_seconds_created gauge\nlatency_seconds_created 1.7e+09\n'""")"
              "\n\n";
    const auto path = dir.path() / "exporter.toml";
    write_file(path, config);
    exporter = std::make_unique<ExporterProcess>(path.string());
  }

  static CommandBed& shared() {
    static CommandBed bed;
    return bed;
  }

  // The probe body; asserts it is valid exposition.
  std::string probe(const std::string& module, std::chrono::milliseconds* elapsed = nullptr) {
    const auto start = std::chrono::steady_clock::now();
    const auto response = http_get(exporter->port(),
                                   "/probe?target=" + TestSshd::shared().target() + "&module=" + module);
    if (elapsed) {
      *elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    }
    INFO(module << ": " << response.error << "\n" << response.body);
    REQUIRE(response.status == 200);
    const auto check = promtool_check_metrics(response.body);
    INFO(check.output);
    CHECK(check.exit_code == 0);
    return response.body;
  }
};

}  // namespace

TEST_CASE("several commands run on one connection, each with its own series", "[integration]") {
  const std::string body = CommandBed::shared().probe("several");
  INFO(body);
  CHECK(metric_value(body, "probe_success") == 1);
  for (const std::string command : {"echo", "exit3", "streams", "load"}) {
    INFO(command);
    CHECK(command_metric(body, "probe_ssh_command_success", command) == 1);
    CHECK(command_metric(body, "probe_ssh_command_output_truncated", command) == 0);
    CHECK(command_metric(body, "probe_ssh_command_duration_seconds", command) > 0);
  }
  CHECK(command_metric(body, "probe_ssh_command_exit_status", "echo") == 0);
  CHECK(command_metric(body, "probe_ssh_command_exit_status", "exit3") == 3);
  CHECK(metric_value(body, "test_load") == 1.5);
  CHECK(count_series(body, "test_load") == 1);
  CHECK(metric_value(body, "probe_ssh_duration_seconds", {{"phase", "commands"}}).value_or(0) > 0);
}

TEST_CASE("an unexpected exit status fails with command_exit", "[integration]") {
  const std::string body = CommandBed::shared().probe("exit_unexpected");
  CHECK(metric_value(body, "probe_success") == 0);
  CHECK(failure_reason_of(body) == "command_exit");
  CHECK(command_metric(body, "probe_ssh_command_exit_status", "exit3") == 3);
  CHECK(command_metric(body, "probe_ssh_command_success", "exit3") == 0);
}

TEST_CASE("a probe that fails in the commands phase ends its log with probe failed", "[integration]") {
  auto& bed = CommandBed::shared();
  const auto debug = http_get(bed.exporter->port(),
                              "/probe?target=" + TestSshd::shared().target() + "&module=exit_unexpected&debug=true");
  INFO(debug.body);
  // The last line of the log, as for a failure in any other phase.
  CHECK(
      debug.body.find(" level=info msg=\"probe failed\" phase=commands reason=command_exit err=\"command "
                      "\\\"exit3\\\" exited with status 3, expected 0\"\n\nMetrics that would have been returned:") !=
      std::string::npos);
}

TEST_CASE("expect and expect_not failures give command_output", "[integration]") {
  for (const std::string module : {"expect_fails", "expect_not_fails"}) {
    const std::string body = CommandBed::shared().probe(module);
    INFO(module << "\n" << body);
    CHECK(metric_value(body, "probe_success") == 0);
    CHECK(failure_reason_of(body) == "command_output");
    CHECK(command_metric(body, "probe_ssh_command_exit_status", "hello") == 0);
  }
}

TEST_CASE("a command that never ends is stopped at the probe deadline", "[integration]") {
  std::chrono::milliseconds elapsed{0};
  const std::string body = CommandBed::shared().probe("forever", &elapsed);
  CHECK(metric_value(body, "probe_success") == 0);
  CHECK(failure_reason_of(body) == "timeout");
  CHECK(command_metric(body, "probe_ssh_command_exit_status", "sleep") == -1);
  CHECK(elapsed < std::chrono::milliseconds(2500));
  CHECK(elapsed >= std::chrono::milliseconds(2000));
}

// stderr is read and dropped without a cap: a command that streams it for ever must still end at
// the deadline, and the same exporter must go on answering meanwhile.
TEST_CASE("a command streaming stderr without end is stopped at the probe deadline", "[integration]") {
  auto& bed = CommandBed::shared();
  std::chrono::milliseconds elapsed{0};
  const std::string body = bed.probe("stderr_flood", &elapsed);
  CHECK(metric_value(body, "probe_success") == 0);
  CHECK(failure_reason_of(body) == "timeout");
  CHECK(elapsed < std::chrono::milliseconds(3000));
  CHECK(bed.exporter->running());
}

TEST_CASE("a command timeout stops that command and the next one still runs", "[integration]") {
  std::chrono::milliseconds elapsed{0};
  const std::string body = CommandBed::shared().probe("command_timeout", &elapsed);
  CHECK(failure_reason_of(body) == "timeout");
  CHECK(command_metric(body, "probe_ssh_command_success", "sleep") == 0);
  CHECK(command_metric(body, "probe_ssh_command_success", "after") == 1);
  CHECK(command_metric(body, "probe_ssh_command_duration_seconds", "sleep") == Approx(1).margin(0.3));
  CHECK(elapsed < std::chrono::seconds(3));
}

TEST_CASE("50 MB of output is cut at the cap and memory stays flat", "[integration]") {
  auto& bed = CommandBed::shared();
  const std::string body = bed.probe("huge");
  INFO(body);
  CHECK(command_metric(body, "probe_ssh_command_output_truncated", "zeros") == 1);
  CHECK(metric_value(body, "probe_success") == 1);
  for (int i = 0; i < 4; ++i) bed.probe("huge");
  const long peak_kb = bed.exporter->peak_rss_kb();
  WARN("exporter peak RSS after five 50 MB outputs: " << peak_kb / 1024.0 << " MiB");
#ifndef SPE_SANITIZED
  // Under ASan, shadow memory and the quarantine of freed blocks make RSS no measure of what the exporter keeps.
  CHECK(peak_kb < 64 * 1024);
#endif
}

TEST_CASE("a command killed by a signal reports the signal", "[integration]") {
  const std::string body = CommandBed::shared().probe("killed");
  INFO(body);
  CHECK(failure_reason_of(body) == "command_exit");
  CHECK(command_metric(body, "probe_ssh_command_exit_status", "term") == -1);
  CHECK(metric_value(body, "probe_ssh_command_exit_signal", {{"command", "term"}, {"signal", "TERM"}}) == 1);
}

TEST_CASE("a series a later command writes again fails that command with command_output", "[integration]") {
  const std::string body = CommandBed::shared().probe("clash");
  INFO(body);
  CHECK(metric_value(body, "probe_success") == 0);
  CHECK(failure_reason_of(body) == "command_output");
  CHECK(command_metric(body, "probe_ssh_command_success", "first") == 1);
  CHECK(command_metric(body, "probe_ssh_command_success", "again") == 0);
  CHECK(command_metric(body, "probe_ssh_command_success", "gauge") == 0);
  CHECK(command_metric(body, "probe_ssh_command_exit_status", "again") == 0);
  CHECK(count_series(body, "foo") == 1);
  CHECK(metric_value(body, "foo") == 1);
  // The reason is in the probe's log.
  const auto debug = http_get(CommandBed::shared().exporter->port(),
                              "/probe?target=" + TestSshd::shared().target() + "&module=clash&debug=true");
  CHECK(debug.body.find("output of \\\"again\\\": series foo came from command \\\"first\\\" already") !=
        std::string::npos);
}

TEST_CASE("prometheus_client's output passes through in both formats, its _created gauges dropped", "[integration]") {
  auto& bed = CommandBed::shared();
  const std::string body = bed.probe("python_client");  // passes promtool check metrics
  INFO(body);
  CHECK(metric_value(body, "probe_success") == 1);
  CHECK(command_metric(body, "probe_ssh_command_success", "client") == 1);
  CHECK(metric_value(body, "requests_total") == 3);
  CHECK(metric_value(body, "latency_seconds_bucket", {{"le", "+Inf"}}) == 2);
  CHECK(body.find("_created") == std::string::npos);

  const std::string probe = "/probe?target=" + TestSshd::shared().target() + "&module=python_client";
  const auto om = http_get(bed.exporter->port(), probe, {{"Accept", "application/openmetrics-text;version=1.0.0"}});
  INFO(om.body);
  REQUIRE(om.status == 200);
  CHECK(om.body.ends_with("\n# EOF\n"));
  const auto parsed = promtool_parse_openmetrics(om.body);
  INFO(parsed.output);
  CHECK(parsed.exit_code == 0);
  CHECK(metric_value(om.body, "probe_success") == 1);
  CHECK(metric_value(om.body, "requests_total") == 3);
  CHECK(metric_value(om.body, "latency_seconds_count") == 2);
  CHECK(om.body.find("_created") == std::string::npos);

  // Why the gauges are missing is in the probe's log, once for the command.
  const auto debug = http_get(bed.exporter->port(), probe + "&debug=true");
  CHECK(debug.body.find("dropped requests_created: the created timestamp of counter requests_total, which this "
                        "exporter does not expose; dropped latency_seconds_created: the created timestamp of "
                        "histogram latency_seconds, which this exporter does not expose") != std::string::npos);
}

namespace {

// [[modules.NAME.commands]] tables: commands named one, two, ... each echoing its name.
std::string echo_commands(const std::string& module, int count) {
  static const char* const kNames[] = {"one", "two", "three"};
  std::string text;
  for (int i = 0; i < count; ++i) {
    const std::string name = kNames[i];
    text += "[[modules." + module + ".commands]]\nname = \"" + name + "\"\ncommand = \"echo " + name +
            "\"\nexpect = \"^" + name + "\\n$\"\n";
  }
  return text;
}

}  // namespace

TEST_CASE("at MaxSessions 1 every command runs, each channel opened once the server closed the one before",
          "[integration]") {
  // OpenSSH frees a session's slot only once both sides' CHANNEL_CLOSE are in: a channel opened before
  // the server's close arrived was refused ("open failed") and the probe failed on every try.
  const auto sshd = TestSshd::start_separate({"MaxSessions 1"});
  const ConfiguredExporter exporter(key_module(*sshd, "three", echo_commands("three", 3)));
  for (int attempt = 0; attempt < 20; ++attempt) {
    const auto response = http_get(exporter.port(), "/probe?target=" + sshd->target() + "&module=three");
    INFO("attempt " << attempt << "\n" << response.body);
    REQUIRE(response.status == 200);
    CHECK(metric_value(response.body, "probe_success") == 1);
    for (const std::string command : {"one", "two", "three"}) {
      CHECK(command_metric(response.body, "probe_ssh_command_success", command) == 1);
    }
  }
}

TEST_CASE("a command timed out with a process still holding its output does not hold up the commands after it",
          "[integration]") {
  // "setsid sleep 3 &" (beyond the reach of the KILL signal) keeps the channel's output open after the
  // shell exits, so the command times out with a process of it still running. The commands after it open
  // channels of their own at once and run.
  const auto sshd = TestSshd::start_separate();
  std::string commands;
  const std::vector<std::pair<std::string, std::string>> steps{{"lingering", "setsid sleep 3 & echo started"},
                                                               {"two", "echo two"},
                                                               {"three", "echo three"}};
  for (const auto& [name, line] : steps) {
    commands += "[[modules.late.commands]]\nname = \"" + name + "\"\ncommand = \"" + line + "\"\ntimeout = \"1s\"\n";
  }
  const ConfiguredExporter exporter(key_module(*sshd, "late", "timeout = \"10s\"\n" + commands));
  const auto response = http_get(exporter.port(), "/probe?target=" + sshd->target() + "&module=late&debug=true");
  INFO(response.body);
  REQUIRE(response.status == 200);
  CHECK(metric_value(response.body, "probe_success") == 0);
  CHECK(command_metric(response.body, "probe_ssh_command_success", "lingering") == 0);
  CHECK(command_metric(response.body, "probe_ssh_command_success", "two") == 1);
  CHECK(command_metric(response.body, "probe_ssh_command_success", "three") == 1);
  CHECK(command_metric(response.body, "probe_ssh_command_duration_seconds", "two") < 0.5);
}

TEST_CASE("a server that refuses the session channel fails the probe with reason channel and its words",
          "[integration]") {
  // MaxSessions 0: no session channel at all (forwarding still allowed).
  const auto sshd = TestSshd::start_separate({"MaxSessions 0"});
  const ConfiguredExporter exporter(key_module(*sshd, "refused", echo_commands("refused", 2)));
  const std::string probe = "/probe?target=" + sshd->target() + "&module=refused";
  const auto response = http_get(exporter.port(), probe);
  INFO(response.body);
  REQUIRE(response.status == 200);
  CHECK(metric_value(response.body, "probe_success") == 0);
  CHECK(failure_reason_of(response.body) == "channel");
  // Not command_exit: neither command ran, so none has an exit status.
  CHECK(command_metric(response.body, "probe_ssh_command_exit_status", "one") == -1);
  CHECK(command_metric(response.body, "probe_ssh_command_exit_status", "two") == -1);

  const auto debug = http_get(exporter.port(), probe + "&debug=true");
  INFO(debug.body);
  CHECK(debug.body.find("msg=\"command done\" command=one exit_status=none signal=\"\" output_bytes=0 "
                        "truncated=false duration_seconds=") != std::string::npos);
  CHECK(debug.body.find("result=\"command \\\"one\\\" did not start: cannot open a session channel: Channel "
                        "opening failure: channel 43 error (2) open failed\"") != std::string::npos);
}
