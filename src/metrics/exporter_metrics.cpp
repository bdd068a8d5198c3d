#include "metrics/exporter_metrics.hpp"

#include <algorithm>
#include <cstddef>
#include <functional>
#include <limits>

#include "metrics/exposition.hpp"

namespace spe::metrics {
namespace {

constexpr std::string_view kPrefix = "ssh_probe_exporter_";

std::string name(std::string_view base) { return std::string(kPrefix) + std::string(base); }

}  // namespace

ExporterMetrics::ExporterMetrics(std::string version, std::string revision,
                                 std::string libssh_version)
    : version_(std::move(version)),
      revision_(std::move(revision)),
      libssh_version_(std::move(libssh_version)),
      rejected_{{"bad_request", 0}, {"unknown_module", 0}} {}

void ExporterMetrics::probe_started() {
  const std::lock_guard lock(mutex_);
  ++in_flight_;
}

void ExporterMetrics::probe_finished(const std::string& module, bool success, double seconds) {
  const std::lock_guard lock(mutex_);
  --in_flight_;
  probes_.try_emplace({module, "success"}, 0);
  probes_.try_emplace({module, "failure"}, 0);
  ++probes_[{module, success ? "success" : "failure"}];

  // A clock gone backwards or a NaN must not poison the sum for the life of the process.
  if (!(seconds >= 0)) seconds = 0;
  Histogram& histogram = durations_[module];
  // The first bound >= seconds is the bucket (le is "less than or equal"); past the last, +Inf.
  const auto bound = std::ranges::lower_bound(kDurationBuckets, seconds);
  ++histogram.counts[static_cast<std::size_t>(bound - kDurationBuckets.begin())];
  histogram.sum += seconds;
  ++histogram.count;
}

void ExporterMetrics::request_rejected(std::string_view reason) {
  const std::lock_guard lock(mutex_);
  const auto it = rejected_.find(reason);
  if (it != rejected_.end()) {
    ++it->second;
  } else {
    rejected_.emplace(std::string(reason), 1);
  }
}

MetricFamily ExporterMetrics::probes_total_family() const {
  MetricFamily family{
      name("probes_total"), "Probes completed, by module and result.", MetricType::counter, {}};
  for (const auto& [key, count] : probes_) {
    family.samples.push_back(
        Sample{{{"module", key.first}, {"result", key.second}}, static_cast<double>(count), {}});
  }
  return family;
}

MetricFamily ExporterMetrics::duration_family() const {
  MetricFamily family{name("probe_duration_seconds"),
                      "Duration of completed probes in seconds.",
                      MetricType::histogram,
                      {}};
  for (const auto& [module, histogram] : durations_) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < histogram.counts.size(); ++i) {
      cumulative += histogram.counts[i];
      const double le = i < kDurationBuckets.size() ? kDurationBuckets[i]
                                                    : std::numeric_limits<double>::infinity();
      family.samples.push_back(Sample{{{"module", module}, {"le", format_value(le)}},
                                      static_cast<double>(cumulative),
                                      "_bucket"});
    }
    family.samples.push_back(Sample{{{"module", module}}, histogram.sum, "_sum"});
    family.samples.push_back(
        Sample{{{"module", module}}, static_cast<double>(histogram.count), "_count"});
  }
  return family;
}

MetricFamily ExporterMetrics::rejected_family() const {
  MetricFamily family{name("requests_rejected_total"),
                      "Requests refused before a probe started, by reason.",
                      MetricType::counter,
                      {}};
  for (const auto& [reason, count] : rejected_) {
    family.samples.push_back(Sample{{{"reason", reason}}, static_cast<double>(count), {}});
  }
  return family;
}

std::vector<MetricFamily> ExporterMetrics::families() const {
  std::vector<MetricFamily> out;
  out.push_back(MetricFamily{
      name("build_info"),
      "A metric with a constant '1' value labeled by version, revision and libssh version.",
      MetricType::gauge,
      {Sample{{{"version", version_}, {"revision", revision_}, {"libssh", libssh_version_}},
              1.0,
              {}}}});
  const std::lock_guard lock(mutex_);
  out.push_back(probes_total_family());
  out.push_back(MetricFamily{name("probes_in_flight"),
                             "Probes currently running.",
                             MetricType::gauge,
                             {Sample{{}, static_cast<double>(in_flight_), {}}}});
  out.push_back(duration_family());
  out.push_back(rejected_family());
  return out;
}

}  // namespace spe::metrics
