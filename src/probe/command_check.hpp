// The verdict on one finished command: exit status, expect / expect_not, and the gauges derived
// from its output. Pure: the prober gathers the outcome, this decides.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/model.hpp"
#include "metric_model/model.hpp"
#include "probe/report.hpp"

namespace spe {

struct CommandOutcome {
  std::string output;              // stdout, at most the command's max_output_bytes
  std::optional<int> exit_status;  // nullopt when none arrived
  std::string exit_signal;         // set when killed by a signal
  bool truncated = false;          // output was cut at the cap (and the channel closed)
  bool timed_out = false;          // stopped at its timeout or the probe deadline
  std::string refused;             // the server refused its channel or the exec: libssh's words
  // Typed into a shell session: there is no exit status; the command ended when the prompt came
  // back (prompt_returned), or failed when the shell closed before it did.
  bool shell = false;
  bool prompt_returned = false;
};

struct CommandVerdict {
  bool success = false;
  std::optional<FailureReason> failure;  // timeout, channel, command_exit or command_output
  std::string detail;                    // one line, for the probe log
  std::vector<metrics::MetricFamily> derived;
  std::vector<std::string> notes;  // what the output left out on purpose, for the probe's debug log
};

// Order of checks: timeout, refusal (the command never started), signal, exit status (skipped when the output was cut
// and no status arrived; in a shell, the prompt's return instead), then output (expect, expect_not, derived gauges).
// Derived gauges are computed whenever the command produced output to the end or to the cap, even if its exit status
// was wrong.
CommandVerdict evaluate_command(const Command& command, const CommandOutcome& outcome);

// The module's metrics of one probe, gathered command by command in the order run. Families of one
// name from several commands merge (one gauge name read by two text commands), but a series comes
// from one command only (for a histogram or summary: its label set without "le" or "quantile"),
// one name has one type, and no family writes a line name another one writes in either exposition
// format (counter foo and gauge foo_total both write foo_total in OpenMetrics). A command whose
// families do not fit fails with command_output and a reason naming the earlier command, and adds
// none of them: one command's output never silently replaces or drops another's. Not thread-safe:
// one probe owns one.
class DerivedMetrics {
 public:
  // Keeps verdict.derived if it fits with what the earlier commands added; otherwise clears it and
  // fails the verdict (an earlier failure of the command stays its reason).
  void admit(const Command& command, CommandVerdict& verdict);

 private:
  struct Origin {
    metrics::MetricType type = metrics::MetricType::gauge;
    std::size_t command = 0;  // index into commands_
  };
  std::optional<std::string> clash(const std::vector<metrics::MetricFamily>& families,
                                   std::set<std::string>& series) const;

  std::vector<std::string> commands_;          // names of the commands admitted so far
  std::map<std::string, Origin> families_;     // family name -> type and first command
  std::map<std::string, std::string> lines_;   // line name -> the family writing it
  std::map<std::string, std::size_t> series_;  // family and label set -> command index
};

}  // namespace spe
