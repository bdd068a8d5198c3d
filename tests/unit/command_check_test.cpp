#include <catch2/catch.hpp>

#include <memory>

#include "probe/command_check.hpp"

using namespace spe;

namespace {

std::shared_ptr<const RE2> regex(const std::string& pattern) { return std::make_shared<const RE2>(pattern, RE2::Quiet); }

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
