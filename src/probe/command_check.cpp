#include "probe/command_check.hpp"

#include <algorithm>
#include <utility>

#include "metric_model/registry.hpp"
#include "parse/output.hpp"

namespace spe {
namespace {

// The first failure decides the reason; later ones are not reported.
void fail_once(CommandVerdict& verdict, FailureReason reason, std::string detail) {
  if (verdict.failure) return;
  verdict.failure = reason;
  verdict.detail = std::move(detail);
}

// A series as DerivedMetrics counts it: family and label set, for a histogram or summary without
// its "le" or "quantile" (all lines of one such metric come from one command).
std::string series_key(const metrics::MetricFamily& family, const metrics::Sample& sample) {
  using metrics::MetricType;
  const std::string_view bound = family.type == MetricType::histogram ? "le"
                                 : family.type == MetricType::summary ? "quantile"
                                                                      : "";
  metrics::Labels labels;
  for (const metrics::Label& label : sample.labels) {
    if (label.name != bound) labels.push_back(label);
  }
  std::ranges::sort(labels, [](const auto& a, const auto& b) { return a.name < b.name; });
  std::string key = family.name;
  for (const metrics::Label& label : labels) key += '\0' + label.name + '\0' + label.value;
  return key;
}

std::string with_article(metrics::MetricType type) {
  const std::string name(to_string(type));
  return (type == metrics::MetricType::untyped ? "an " : "a ") + name;
}

}  // namespace

std::optional<std::string> DerivedMetrics::clash(const std::vector<metrics::MetricFamily>& families,
                                                 std::set<std::string>& series) const {
  for (const metrics::MetricFamily& family : families) {
    if (const auto it = families_.find(family.name); it != families_.end()) {
      if (it->second.type != family.type) {
        return "family " + family.name + " is " + with_article(family.type) + " here but " +
               with_article(it->second.type) + " from command \"" + commands_[it->second.command] + "\"";
      }
    } else {
      for (const std::string& line : metrics::line_names(family)) {
        if (const auto other = lines_.find(line); other != lines_.end()) {
          return "family " + family.name + " writes " + line + ", as family " + other->second + " from command \"" +
                 commands_[families_.at(other->second).command] + "\" does";
        }
      }
    }
    for (const metrics::Sample& sample : family.samples) {
      std::string key = series_key(family, sample);
      if (const auto earlier = series_.find(key); earlier != series_.end()) {
        return "series " + metrics::series_text(family, sample) + " came from command \"" +
               commands_[earlier->second] + "\" already";
      }
      series.insert(std::move(key));
    }
  }
  return std::nullopt;
}

void DerivedMetrics::admit(const Command& command, CommandVerdict& verdict) {
  std::set<std::string> series;
  if (const auto why = clash(verdict.derived, series)) {
    verdict.derived.clear();
    fail_once(verdict, FailureReason::command_output, "output of \"" + command.name + "\": " + *why);
    verdict.success = false;
    return;
  }
  const std::size_t index = commands_.size();
  commands_.push_back(command.name);
  for (const metrics::MetricFamily& family : verdict.derived) {
    if (!families_.try_emplace(family.name, Origin{family.type, index}).second) continue;
    for (const std::string& line : metrics::line_names(family)) lines_.emplace(line, family.name);
  }
  while (!series.empty()) series_.emplace(std::move(series.extract(series.begin()).value()), index);
}

CommandVerdict evaluate_command(const Command& command, const CommandOutcome& outcome) {
  CommandVerdict verdict;
  if (outcome.timed_out) {
    fail_once(verdict, FailureReason::timeout, "command \"" + command.name + "\" did not finish in time");
    return verdict;
  }
  if (!outcome.refused.empty()) {
    fail_once(verdict, FailureReason::channel, "command \"" + command.name + "\" did not start: " + outcome.refused);
    return verdict;
  }
  if (outcome.shell) {
    if (!outcome.prompt_returned) {
      fail_once(verdict, FailureReason::command_exit,
                "the shell closed before the prompt came back after command \"" + command.name + "\"");
    }
  } else if (!outcome.exit_signal.empty()) {
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
    verdict.derived = std::move(derived->families);
    verdict.notes = std::move(derived->notes);
  } else {
    fail_once(verdict, FailureReason::command_output,
              "output of \"" + command.name + "\": " + derived.error().message);
  }
  verdict.success = !verdict.failure;
  return verdict;
}

}  // namespace spe
