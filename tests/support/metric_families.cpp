#include "support/metric_families.hpp"

#include <limits>

namespace spe::test {

using metrics::MetricFamily;
using metrics::MetricType;
using metrics::Sample;

const MetricFamily* find_family(const std::vector<MetricFamily>& families, std::string_view name) {
  for (const MetricFamily& family : families) {
    if (family.name == name) return &family;
  }
  return nullptr;
}

std::vector<MetricFamily> sample_families() {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  return {
      MetricFamily{"up_seconds", "A gauge with a unit.", MetricType::gauge, {Sample{{}, 1.5, {}}}},
      MetricFamily{"requests_total",
                   "A counter: \"quoted\", C:\\path,\nsecond line.",
                   MetricType::counter,
                   {Sample{{{"code", "200"}}, 3, {}}, Sample{{{"code", "say \"hi\"\n"}}, 0, {}}}},
      MetricFamily{"lat_seconds",
                   "A histogram.",
                   MetricType::histogram,
                   {Sample{{{"le", "0.005"}}, 0, "_bucket"}, Sample{{{"le", "1"}}, 1, "_bucket"},
                    Sample{{{"le", "100000"}}, 1, "_bucket"}, Sample{{{"le", "+Inf"}}, 2, "_bucket"},
                    Sample{{}, 0.75, "_sum"}, Sample{{}, 2, "_count"}}},
      MetricFamily{"odd", "Untyped.", MetricType::untyped, {Sample{{}, kNaN, {}}}},
      MetricFamily{"rpc_seconds",
                   "A summary.",
                   MetricType::summary,
                   {Sample{{{"quantile", "0.5"}}, 0.25, {}}, Sample{{{"quantile", "1"}}, 2, {}},
                    Sample{{}, 9.5, "_sum"}, Sample{{}, 12, "_count"}}},
      MetricFamily{"events", "A counter named without _total.", MetricType::counter, {Sample{{}, 7, {}}}},
      MetricFamily{"empty", "No samples.", MetricType::gauge, {}},
      MetricFamily{"quiet", "", MetricType::gauge, {Sample{{}, -kInf, {}}}},
  };
}

}  // namespace spe::test
