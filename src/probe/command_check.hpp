// The verdict on one finished command: exit status, expect / expect_not, and the gauges derived
// from its output. Pure: the prober gathers the outcome, this decides.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/model.hpp"
#include "metrics/model.hpp"
#include "probe/report.hpp"

namespace spe {

struct CommandOutcome {
  std::string output;              // stdout, at most the command's max_output_bytes
  std::optional<int> exit_status;  // nullopt when none arrived
  std::string exit_signal;         // set when killed by a signal
  bool truncated = false;          // output was cut at the cap (and the channel closed)
  bool timed_out = false;          // stopped at its timeout or the probe deadline
};

struct CommandVerdict {
  bool success = false;
  std::optional<FailureReason> failure;  // timeout, command_exit or command_output
  std::string detail;                    // one line, for the probe log
  std::vector<metrics::MetricFamily> derived;
};

// Order of checks: timeout, signal, exit status (skipped when the output was cut and no status
// arrived), then output (expect, expect_not, derived gauges). Derived gauges are computed whenever
// the command produced output to the end or to the cap, even if its exit status was wrong.
CommandVerdict evaluate_command(const Command& command, const CommandOutcome& outcome);

}  // namespace spe
