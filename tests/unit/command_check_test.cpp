#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "probe/command_check.hpp"

using namespace spe;

namespace {

std::shared_ptr<const RE2> regex(const std::string& pattern) {
  return std::make_shared<const RE2>(pattern, RE2::Quiet);
}

Command command(std::string name = "check") {
  Command c;
  c.name = std::move(name);
  c.command = "true";
  return c;
}

CommandOutcome exited(int status, std::string output = "") {
  CommandOutcome outcome;
  outcome.exit_status = status;
  outcome.output = std::move(output);
  return outcome;
}

}  // namespace

TEST_CASE("the expected exit status succeeds, another fails with command_exit", "[unit][command]") {
  Command c = command();
  c.exit_status = 3;
  CHECK(evaluate_command(c, exited(3)).success);
  const auto verdict = evaluate_command(c, exited(0));
  CHECK_FALSE(verdict.success);
  CHECK(verdict.failure == FailureReason::command_exit);
  CHECK(verdict.detail == "command \"check\" exited with status 0, expected 3");
}

TEST_CASE("expect and expect_not decide command_output", "[unit][command]") {
  Command c = command();
  c.expect = regex("load average");
  c.expect_not = regex("(?i)error");
  CHECK(evaluate_command(c, exited(0, "up 3 days, load average: 0.1")).success);
  const auto missing = evaluate_command(c, exited(0, "nothing here"));
  CHECK(missing.failure == FailureReason::command_output);
  CHECK(missing.detail == "output of \"check\" does not match expect /load average/");
  const auto unwanted = evaluate_command(c, exited(0, "load average: 1 ERROR"));
  CHECK(unwanted.failure == FailureReason::command_output);
  CHECK(unwanted.detail == "output of \"check\" matches expect_not /(?i)error/");
}

TEST_CASE("the first failure is the reason: exit status before output", "[unit][command]") {
  Command c = command();
  c.expect = regex("never");
  const auto verdict = evaluate_command(c, exited(1, "x"));
  CHECK(verdict.failure == FailureReason::command_exit);
}

TEST_CASE("a command whose channel or exec the server refused fails with channel, in the server's words",
          "[unit][command]") {
  Command c = command();
  c.expect = regex("never");
  CommandOutcome refused;
  refused.refused = "cannot open a session channel: Channel opening failure: channel 43 error (1) open failed";
  const auto verdict = evaluate_command(c, refused);
  CHECK_FALSE(verdict.success);
  CHECK(verdict.failure == FailureReason::channel);
  CHECK(verdict.detail ==
        "command \"check\" did not start: cannot open a session channel: Channel opening failure: channel 43 error "
        "(1) open failed");
  CHECK(verdict.derived.empty());
}

TEST_CASE("timeouts, signals and missing statuses", "[unit][command]") {
  const Command c = command();
  CommandOutcome timed_out;
  timed_out.timed_out = true;
  CHECK(evaluate_command(c, timed_out).failure == FailureReason::timeout);

  CommandOutcome killed;
  killed.exit_signal = "TERM";
  const auto verdict = evaluate_command(c, killed);
  CHECK(verdict.failure == FailureReason::command_exit);
  CHECK(verdict.detail == "command \"check\" was killed by signal TERM");

  CHECK(evaluate_command(c, CommandOutcome{}).failure == FailureReason::command_exit);

  // Cut at the cap: no status can arrive, so only the output decides.
  CommandOutcome cut;
  cut.truncated = true;
  cut.output = "partial";
  CHECK(evaluate_command(c, cut).success);
}

TEST_CASE("in a shell the prompt's return, not an exit status, ends a command", "[unit][command]") {
  Command c = command();
  c.exit_status = 3;  // not looked at: a shell has no exit status
  c.expect = regex("uptime");
  CommandOutcome back;
  back.shell = true;
  back.prompt_returned = true;
  back.output = "uptime is 5 weeks\n";
  CHECK(evaluate_command(c, back).success);

  CommandOutcome closed = back;
  closed.prompt_returned = false;
  const auto verdict = evaluate_command(c, closed);
  CHECK(verdict.failure == FailureReason::command_exit);
  CHECK(verdict.detail == "the shell closed before the prompt came back after command \"check\"");

  back.output = "no such thing";
  CHECK(evaluate_command(c, back).failure == FailureReason::command_output);
}

namespace {

Command passthrough(std::string name) {
  Command c = command(std::move(name));
  c.format = OutputFormat::prometheus;
  return c;
}

Command text_gauge(std::string name, std::string gauge, std::string pattern) {
  Command c = command(std::move(name));
  GaugeRule rule;
  rule.name = std::move(gauge);
  rule.regex = regex(pattern);
  c.gauges.push_back(std::move(rule));
  return c;
}

// Runs the commands (exit 0, the given output) through one DerivedMetrics, as a probe does.
std::vector<CommandVerdict> run_all(const std::vector<std::pair<Command, std::string>>& runs) {
  DerivedMetrics derived;
  std::vector<CommandVerdict> verdicts;
  for (const auto& [c, output] : runs) {
    CommandVerdict verdict = evaluate_command(c, exited(0, output));
    derived.admit(c, verdict);
    verdicts.push_back(std::move(verdict));
  }
  return verdicts;
}

}  // namespace

TEST_CASE("a series a later command produces again fails that command with command_output", "[unit][command]") {
  using Row = std::tuple<std::string, std::vector<std::pair<Command, std::string>>, std::string>;
  const auto [why, runs,
              detail] = GENERATE(table<std::string, std::vector<std::pair<Command, std::string>>, std::string>({
      Row{"two passthrough commands, one series",
          {{passthrough("a"), "foo 1\n"}, {passthrough("b"), "foo 2\n"}},
          "output of \"b\": series foo came from command \"a\" already"},
      Row{"passthrough untyped, then a text gauge of that name",
          {{passthrough("a"), "foo 1\n"}, {text_gauge("b", "foo", R"(v=(?P<value>\d+))"), "v=2\n"}},
          "output of \"b\": family foo is a gauge here but an untyped from command \"a\""},
      Row{"one labelled series from two text commands",
          {{text_gauge("a", "up", R"((?P<host>\w+) (?P<value>\d))"), "x 1\n"},
           {text_gauge("b", "up", R"((?P<host>\w+) (?P<value>\d))"), "y 1\nx 0\n"}},
          "output of \"b\": series up{host=\"x\"} came from command \"a\" already"},
      Row{"counter foo, then gauge foo_total (one OpenMetrics line name)",
          {{passthrough("a"), "# TYPE foo counter\nfoo 1\n"},
           {passthrough("b"), "# TYPE foo_total gauge\nfoo_total 2\n"}},
          "output of \"b\": family foo_total writes foo_total, as family foo from command \"a\" does"},
      Row{"histogram h, then gauge h_count",
          {{passthrough("a"), "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n"},
           {passthrough("b"), "h_count 1\n"}},
          "output of \"b\": family h_count writes h_count, as family h from command \"a\" does"},
      Row{"one summary metric split over two commands",
          {{passthrough("a"), "# TYPE s summary\ns{x=\"1\",quantile=\"0.5\"} 1\n"},
           {passthrough("b"), "# TYPE s summary\ns{x=\"2\",quantile=\"0.5\"} 1\ns_sum{x=\"1\"} 1\n"}},
          "output of \"b\": series s_sum{x=\"1\"} came from command \"a\" already"},
      Row{"counter foo, then gauge foo_created from another command (dropped only within one output)",
          {{passthrough("a"), "# TYPE foo_total counter\nfoo_total 1\n"},
           {passthrough("b"), "# TYPE foo_created gauge\nfoo_created 1.7e9\n"}},
          "output of \"b\": family foo_created writes foo_created, as family foo_total from command \"a\" does"},
  }));
  CAPTURE(why);
  const auto verdicts = run_all(runs);
  REQUIRE(verdicts.size() == 2);
  CHECK(verdicts[0].success);
  CHECK_FALSE(verdicts[0].derived.empty());
  CHECK_FALSE(verdicts[1].success);
  CHECK(verdicts[1].failure == FailureReason::command_output);
  CHECK(verdicts[1].detail == detail);
  CHECK(verdicts[1].derived.empty());  // none of the later command's families, not just the clash
}

TEST_CASE("families of one name merge across commands when their series differ", "[unit][command]") {
  const auto verdicts = run_all({{text_gauge("a", "up", R"((?P<host>\w+) (?P<value>\d))"), "x 1\n"},
                                 {text_gauge("b", "up", R"((?P<host>\w+) (?P<value>\d))"), "y 0\n"},
                                 {passthrough("c"), "# TYPE h histogram\nh_bucket{x=\"1\",le=\"+Inf\"} 1\n"},
                                 {passthrough("d"), "# TYPE h histogram\nh_bucket{x=\"2\",le=\"+Inf\"} 1\n"}});
  for (const CommandVerdict& verdict : verdicts) {
    CAPTURE(verdict.detail);
    CHECK(verdict.success);
    CHECK(verdict.derived.size() == 1);
  }
}

TEST_CASE("a command that failed already keeps its reason when its series clash too", "[unit][command]") {
  DerivedMetrics derived;
  const Command a = passthrough("a");
  CommandVerdict first = evaluate_command(a, exited(0, "foo 1\n"));
  derived.admit(a, first);
  const Command b = passthrough("b");
  CommandVerdict second = evaluate_command(b, exited(3, "foo 2\n"));
  derived.admit(b, second);
  CHECK(second.failure == FailureReason::command_exit);
  CHECK_FALSE(second.success);
  CHECK(second.derived.empty());
  // The refused command added nothing: a third may produce what it could not.
  const Command c = passthrough("c");
  CommandVerdict third = evaluate_command(c, exited(0, "bar 1\n"));
  derived.admit(c, third);
  CHECK(third.success);
}

TEST_CASE("prometheus_client's _created gauges are dropped from the command's families with a note",
          "[unit][command]") {
  Command c = passthrough("python");
  c.prefix = "app_";
  const auto verdicts = run_all(
      {{c,
        "# HELP requests_total Requests.\n# TYPE requests_total counter\nrequests_total 3.0\n"
        "# HELP requests_created Requests.\n# TYPE requests_created gauge\nrequests_created 1.7e+09\n"
        "# TYPE latency_seconds histogram\nlatency_seconds_bucket{le=\"+Inf\"} 1.0\n"
        "latency_seconds_count 1.0\nlatency_seconds_sum 0.5\n"
        "# TYPE latency_seconds_created gauge\nlatency_seconds_created 1.7e+09\n"},
       {passthrough("plain"), "up 1\n"}});
  REQUIRE(verdicts.size() == 2);
  CAPTURE(verdicts[0].detail);
  CHECK(verdicts[0].success);
  std::vector<std::string> names;
  for (const auto& family : verdicts[0].derived) names.push_back(family.name);
  CHECK(names == std::vector<std::string>{"app_requests_total", "app_latency_seconds"});
  CHECK(verdicts[0].notes ==
        std::vector<std::string>{
            "dropped app_requests_created: the created timestamp of counter app_requests_total, which this "
            "exporter does not expose",
            "dropped app_latency_seconds_created: the created timestamp of histogram app_latency_seconds, "
            "which this exporter does not expose"});
  CHECK(verdicts[1].success);
  CHECK(verdicts[1].notes.empty());
}
