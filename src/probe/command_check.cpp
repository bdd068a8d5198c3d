#include "probe/command_check.hpp"

#include "parse/output.hpp"

namespace spe {
namespace {

// The first failure decides the reason; later ones are not reported.
void fail_once(CommandVerdict& verdict, FailureReason reason, std::string detail) {
  if (verdict.failure) return;
  verdict.failure = reason;
  verdict.detail = std::move(detail);
}

}  // namespace

CommandVerdict evaluate_command(const Command& command, const CommandOutcome& outcome) {
  CommandVerdict verdict;
  if (outcome.timed_out) {
    fail_once(verdict, FailureReason::timeout, "command \"" + command.name + "\" did not finish in time");
    return verdict;
  }
  if (!outcome.exit_signal.empty()) {
    fail_once(verdict, FailureReason::command_exit,
              "command \"" + command.name + "\" was killed by signal " + outcome.exit_signal);
  } else if (outcome.exit_status && *outcome.exit_status != command.exit_status) {
    fail_once(verdict, FailureReason::command_exit,
              "command \"" + command.name + "\" exited with status " + std::to_string(*outcome.exit_status) +
                  ", expected " + std::to_string(command.exit_status));
  } else if (!outcome.exit_status && !outcome.truncated) {
    fail_once(verdict, FailureReason::command_exit, "command \"" + command.name + "\" ended without an exit status");
  }
  if (command.expect && !RE2::PartialMatch(outcome.output, *command.expect)) {
    fail_once(verdict, FailureReason::command_output,
              "output of \"" + command.name + "\" does not match expect /" + command.expect->pattern() + "/");
  }
  if (command.expect_not && RE2::PartialMatch(outcome.output, *command.expect_not)) {
    fail_once(verdict, FailureReason::command_output,
              "output of \"" + command.name + "\" matches expect_not /" + command.expect_not->pattern() + "/");
  }
  auto derived = derive_metrics(command, outcome.output);
  if (derived) {
    verdict.derived = std::move(*derived);
  } else {
    fail_once(verdict, FailureReason::command_output,
              "output of \"" + command.name + "\": " + derived.error().message);
  }
  verdict.success = !verdict.failure;
  return verdict;
}

}  // namespace spe
