// Metric families as plain data (the shape of prometheus-cpp's metric_family.h): a family has a
// name, help, type and samples; a sample has labels, a value and, for histograms, a name suffix.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spe::metrics {

enum class MetricType { gauge, counter, histogram, summary, untyped };

constexpr std::string_view to_string(MetricType type) {
  switch (type) {
    case MetricType::gauge: return "gauge";
    case MetricType::counter: return "counter";
    case MetricType::histogram: return "histogram";
    case MetricType::summary: return "summary";
    case MetricType::untyped: return "untyped";
  }
  return "untyped";
}

struct Label {
  std::string name;
  std::string value;
  bool operator==(const Label&) const = default;
};

using Labels = std::vector<Label>;

struct Sample {
  Labels labels;
  double value = 0;
  // Appended to the family name for this line: "_bucket", "_sum", "_count" for histograms, "_sum",
  // "_count" for summaries (whose quantile lines have none but a "quantile" label), "_total" never
  // (counters are named with _total already). Empty for plain samples.
  std::string suffix;
};

struct MetricFamily {
  std::string name;
  std::string help;
  MetricType type = MetricType::gauge;
  std::vector<Sample> samples;
};

// Convenience for building families in collectors.
inline MetricFamily gauge(std::string name, std::string help) {
  return MetricFamily{std::move(name), std::move(help), MetricType::gauge, {}};
}

}  // namespace spe::metrics
