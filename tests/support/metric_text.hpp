// Reading Prometheus text exposition (0.0.4, and the sample lines of OpenMetrics) in tests, the way blackbox's
// checkRegistryResults reads a registry: find a sample by name and exact label set, then assert its value.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/temp_dir.hpp"

namespace spe::test {

using MetricLabels = std::map<std::string, std::string>;

struct MetricSample {
  std::string name;
  MetricLabels labels;  // values unescaped (\\, \", \n)
  double value = 0;     // NaN, +Inf and -Inf parsed as such
};

// Whether c may stand in a metric name ([a-zA-Z_:] first, then digits too), as the exposition formats define it.
bool is_metric_name_char(char c, bool first);

// Every sample line of the text, in order; comment (#) and blank lines skipped. A line that does not parse is
// skipped too: promtool_check_metrics is the test of well-formedness.
std::vector<MetricSample> parse_samples(std::string_view text);

// The value of the first sample whose name equals name and whose label set equals labels exactly (no label more
// or less), or nullopt.
std::optional<double> metric_value(std::string_view text, std::string_view name, const MetricLabels& labels = {});

// How many sample lines have exactly this name (whatever their labels).
std::size_t count_series(std::string_view text, std::string_view name);

// The value of label on the first sample named name, or nullopt if there is no such sample or label.
std::optional<std::string> label_value(std::string_view text, std::string_view name, std::string_view label);

// Runs `promtool check metrics` with text on stdin (exit 0 clean, 1 parse error, 3 lint findings).
CommandResult promtool_check_metrics(std::string_view text);

// Prometheus' own OpenMetrics parser, as promtool runs it to backfill: it wants timestamps, so every
// sample line gets one. Exit 0 when it accepts the text.
CommandResult promtool_parse_openmetrics(std::string_view text);

}  // namespace spe::test
