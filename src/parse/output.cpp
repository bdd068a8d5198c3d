#include "parse/output.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "parse/scan.hpp"
#include "util/utf8.hpp"

namespace spe {
namespace {

// A rule with its group numbers looked up once: the value's and each label's.
struct PreparedRule {
  const GaugeRule* rule = nullptr;
  int value_group = 0;
  std::vector<std::pair<std::string, int>> label_groups;
  int groups_needed = 1;  // submatches to ask RE2 for: 0 (the whole match) up to the highest used
};

// Config load guarantees the value group exists; a rule built by hand without one is refused.
Result<PreparedRule> prepare(const GaugeRule& rule) {
  if (!rule.regex || !rule.regex->ok()) {
    return fail(ErrorCode::internal, "gauge " + rule.name + " has no compiled regex");
  }
  PreparedRule prepared{&rule, 0, {}, 1};
  for (const auto& [name, index] : rule.regex->NamedCapturingGroups()) {
    if (name == rule.value_group) {
      prepared.value_group = index;
    } else {
      prepared.label_groups.emplace_back(name, index);
    }
    prepared.groups_needed = std::max(prepared.groups_needed, index + 1);
  }
  if (prepared.value_group == 0) {
    return fail(ErrorCode::internal, "gauge " + rule.name + ": regex has no group named \"" + rule.value_group + "\"");
  }
  return prepared;
}

std::string_view view(const re2::StringPiece& piece) { return {piece.data(), piece.size()}; }

Result<double> sample_value(const GaugeRule& rule, std::string_view text, std::size_t line) {
  if (const auto word = rule.map.find(std::string(text)); word != rule.map.end()) {
    return word->second * rule.scale;
  }
  if (const auto number = parse_number(text)) return *number * rule.scale;
  return fail(ErrorCode::failed_precondition, "gauge " + rule.name + ", line " + std::to_string(line) + ": value " +
                                                  quote_input(text) + " is neither a number nor a word of its map");
}

metrics::Labels sample_labels(const PreparedRule& prepared, const std::vector<re2::StringPiece>& groups) {
  metrics::Labels labels;
  for (const auto& [name, index] : prepared.label_groups) {
    // A group that took no part in the match (an optional one) is an empty label value.
    labels.push_back(metrics::Label{name, std::string(view(groups[index]))});
  }
  for (const auto& [name, value] : prepared.rule->labels) labels.push_back({name, value});
  std::ranges::sort(labels, [](const auto& a, const auto& b) { return a.name < b.name; });
  return labels;
}

// "name{a=\"x\",b=\"y\"}", label values cut short: names a series in an error message.
std::string series_text(const std::string& name, const metrics::Labels& labels) {
  std::string text = name + "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) text += ',';
    text += labels[i].name + "=" + quote_input(labels[i].value);
  }
  return text + "}";
}

// One gauge family per name, with the series seen so far.
class FamilySet {
 public:
  explicit FamilySet(const Command& command) : command_(command) {}

  metrics::MetricFamily& family(const GaugeRule& rule) {
    const auto [it, fresh] = index_.try_emplace(rule.name, families_.size());
    if (fresh) families_.push_back(metrics::gauge(rule.name, ""));
    metrics::MetricFamily& family = families_[it->second];
    if (family.help.empty()) family.help = rule.help;
    return family;
  }

  Result<void> add(const GaugeRule& rule, metrics::Sample sample, std::size_t line) {
    std::string key = rule.name;
    for (const auto& label : sample.labels) key += '\0' + label.name + '\0' + label.value;
    if (!series_.insert(std::move(key)).second) {
      return fail(ErrorCode::failed_precondition, "gauge " + rule.name + ", line " + std::to_string(line) +
                                                      ": duplicate series " + series_text(rule.name, sample.labels));
    }
    family(rule).samples.push_back(std::move(sample));
    return {};
  }

  std::vector<metrics::MetricFamily> take() && {
    std::vector<metrics::MetricFamily> out;
    for (auto& family : families_) {
      if (family.samples.empty()) continue;
      if (family.help.empty()) family.help = "From the output of command \"" + command_.name + "\".";
      out.push_back(std::move(family));
    }
    return out;
  }

 private:
  const Command& command_;
  std::vector<metrics::MetricFamily> families_;
  std::map<std::string, std::size_t> index_;
  std::set<std::string> series_;
};

Result<void> apply_rule(const PreparedRule& prepared, const std::vector<std::string_view>& lines,
                        FamilySet& families) {
  const GaugeRule& rule = *prepared.rule;
  families.family(rule);  // the family's place follows the config, whatever matches
  std::vector<re2::StringPiece> groups(static_cast<std::size_t>(prepared.groups_needed));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const re2::StringPiece line(lines[i].data(), lines[i].size());
    if (!rule.regex->Match(line, 0, line.size(), RE2::UNANCHORED, groups.data(), prepared.groups_needed)) {
      continue;
    }
    const auto value = sample_value(rule, view(groups[prepared.value_group]), i + 1);
    if (!value) return std::unexpected(value.error());
    auto added = families.add(rule, metrics::Sample{sample_labels(prepared, groups), *value, {}}, i + 1);
    if (!added) return added;
    if (rule.match == MatchMode::first) break;
  }
  return {};
}

}  // namespace

Result<std::vector<metrics::MetricFamily>> derive_gauges(const Command& command, std::string_view output) {
  if (command.gauges.empty()) return std::vector<metrics::MetricFamily>{};
  // RE2 reads UTF-8: \S+ would stop at a stray byte, so the regexes see U+FFFD in its place.
  const std::string text = sanitize_utf8(output);
  const auto lines = split_output_lines(text);
  if (!lines) return std::unexpected(lines.error());
  FamilySet families(command);
  for (const GaugeRule& rule : command.gauges) {
    const auto prepared = prepare(rule);
    if (!prepared) return std::unexpected(prepared.error());
    if (auto applied = apply_rule(*prepared, *lines, families); !applied) {
      return std::unexpected(applied.error());
    }
  }
  return std::move(families).take();
}

Result<DerivedOutput> derive_metrics(const Command& command, std::string_view output) {
  if (command.format == OutputFormat::prometheus) {
    return parse_prometheus_text(output, command.prefix);
  }
  auto gauges = derive_gauges(command, output);
  if (!gauges) return std::unexpected(gauges.error());
  return DerivedOutput{std::move(*gauges), {}};
}

}  // namespace spe
