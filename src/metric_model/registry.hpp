// Registry: the families of one response (one per request; there is no global instance). Checks
// names and refuses duplicates, so what it holds is always valid exposition. Not thread-safe:
// one request owns one registry.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "metric_model/model.hpp"
#include "util/result.hpp"

namespace spe::metrics {

// Every name `family` writes sample lines under, or could, in the text format or OpenMetrics, and
// its OpenMetrics family name: the family's name; a histogram's _bucket, _sum, _count and _created;
// a summary's _sum, _count and _created; for a counter also its name without "_total" and that
// name with _total and _created. Two families of one response may not share any of them, or a
// scraper could not tell their lines apart (counter foo and gauge foo_total, gauge foo_created).
std::set<std::string> line_names(const MetricFamily& family);

// "family" or "family_bucket{le=\"1\"}": names a series in error messages (label values as they
// are, unescaped).
std::string series_text(const MetricFamily& family, const Sample& sample);

class Registry {
 public:
  // Adds a family. Fails (invalid_argument, message naming the family/series) on: an invalid
  // metric or label name, a family name already added, a duplicate series (same suffix and label
  // set) within the family, a label name repeated within one sample, a suffix or "le"/"quantile"
  // label its type does not allow (histogram: _bucket with "le", _sum, _count; summary: quantile
  // lines with "quantile", _sum, _count), and what OpenMetrics forbids though the text format
  // allows it: a line name or OpenMetrics family name of another family (see line_names); a
  // counter, _count or summary _sum that is NaN or negative, a count or bucket that is not a whole
  // number; a histogram metric whose buckets are not in increasing order of "le", not cumulative or
  // without le="+Inf", whose _count is not that bucket's, or whose _sum is negative with no negative
  // bound; a "quantile" outside 0..1; a histogram or summary metric (label set without "le" or
  // "quantile") whose lines are split by another's. Nothing is added on failure.
  Result<void> add(MetricFamily family);

  // In the order added.
  const std::vector<MetricFamily>& families() const { return families_; }

  // The families, in the order added, leaving the registry empty.
  std::vector<MetricFamily> take() && { return std::move(families_); }

 private:
  std::vector<MetricFamily> families_;
};

}  // namespace spe::metrics
