#include "probe/commands_phase.hpp"

#include <algorithm>

namespace spe {

CommandsPhase::CommandsPhase(const std::vector<Command>& commands, ProbeLog& log) : commands_(commands), log_(log) {
  for (const Command& command : commands_) reports_.push_back(CommandReport{command.name});
}

CommandsPhase::Clock::time_point CommandsPhase::begin(Clock::time_point probe_deadline) {
  const Command& command = current();
  command_start_ = Clock::now();
  outcome_ = CommandOutcome{};
  received_ = 0;
  stderr_head_.clear();
  if (command.timeout) return std::min(probe_deadline, command_start_ + *command.timeout);
  return probe_deadline;
}

void CommandsPhase::record() {
  const Command& command = current();
  CommandVerdict verdict = evaluate_command(command, outcome_);
  derived_metrics_.admit(command, verdict);
  CommandReport& entry = reports_[next_command_];
  entry.exit_status = outcome_.exit_status;
  entry.exit_signal = outcome_.exit_signal;
  entry.duration = Clock::now() - command_start_;
  entry.output_truncated = outcome_.truncated;
  entry.output_bytes = received_;
  entry.success = verdict.success;
  entry.derived = std::move(verdict.derived);
  log_.add("debug", "command done",
           {{"command", command.name},
            {"exit_status", outcome_.exit_status ? std::to_string(*outcome_.exit_status) : "none"},
            {"signal", outcome_.exit_signal},
            {"output_bytes", std::to_string(received_)},
            {"truncated", outcome_.truncated ? "true" : "false"},
            {"duration_seconds", std::to_string(std::chrono::duration<double>(entry.duration).count())},
            {"result", verdict.success ? "success" : verdict.detail}});
  if (!verdict.success && !stderr_head_.empty()) {
    log_.add("debug", "command stderr", {{"command", command.name}, {"stderr", first_line(stderr_head_)}});
  }
  if (!verdict.notes.empty()) {
    std::string notes;
    for (const std::string& note : verdict.notes) notes += (notes.empty() ? "" : "; ") + note;
    log_.add("debug", "output left out", {{"command", command.name}, {"detail", std::move(notes)}});
  }
  if (!verdict.success && !failure_) failure_ = {*verdict.failure, verdict.detail};
  ++next_command_;
}

void CommandsPhase::fail_unrun(FailureReason reason, std::string detail) {
  for (std::size_t i = next_command_; i < commands_.size(); ++i) {
    log_.add("debug", "command not run", {{"command", commands_[i].name}});
  }
  if (!failure_) failure_ = {reason, std::move(detail)};
  next_command_ = commands_.size();
}

}  // namespace spe
