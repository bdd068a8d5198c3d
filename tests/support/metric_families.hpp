// Metric families in tests: finding one by name, and a sample set with every type and every character that
// needs escaping, for the writers' tests.
#pragma once

#include <string_view>
#include <vector>

#include "metric_model/model.hpp"

namespace spe::test {

// The family named name, or nullptr.
const metrics::MetricFamily* find_family(const std::vector<metrics::MetricFamily>& families, std::string_view name);

// One family of each type (gauge with a unit, counter with escapes in HELP and labels, histogram, untyped NaN,
// summary, a counter named without _total, one with no samples, one with no HELP and -Inf).
std::vector<metrics::MetricFamily> sample_families();

}  // namespace spe::test
