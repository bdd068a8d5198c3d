// Registry: the families of one response (one per request; there is no global instance). Checks
// names and refuses duplicates, so what it holds is always valid exposition. Not thread-safe:
// one request owns one registry.
#pragma once

#include <utility>
#include <vector>

#include "metrics/model.hpp"
#include "util/result.hpp"

namespace spe::metrics {

// Metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*, "__" prefix reserved,
// "le" reserved for histograms.
bool valid_metric_name(std::string_view name);
bool valid_label_name(std::string_view name);

// Whether `name` is in the exporter's own namespaces (probe_*, ssh_probe_exporter_*), which metrics
// derived from command output may not use.
bool exporter_metric_name(std::string_view name);

class Registry {
 public:
  // Adds a family. Fails (invalid_argument, message naming the family/series) on: an invalid
  // metric or label name, a family name already added, a duplicate series (same suffix and label
  // set) within the family, a label name repeated within one sample, a suffix or "le"/"quantile"
  // label its type does not allow (histogram: _bucket with "le", _sum, _count; summary: quantile
  // lines with "quantile", _sum, _count). Nothing is added on failure.
  Result<void> add(MetricFamily family);

  // In the order added.
  const std::vector<MetricFamily>& families() const { return families_; }

  // The families, in the order added, leaving the registry empty.
  std::vector<MetricFamily> take() && { return std::move(families_); }

 private:
  std::vector<MetricFamily> families_;
};

}  // namespace spe::metrics
