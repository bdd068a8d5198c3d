#include "metrics/exporter_metrics.hpp"

#include <algorithm>
#include <cstddef>
#include <functional>
#include <limits>

#include "metric_model/exposition.hpp"

namespace spe::metrics {
namespace {

constexpr std::string_view kPrefix = "ssh_probe_exporter_";

std::string name(std::string_view base) { return std::string(kPrefix) + std::string(base); }

MetricFamily single_gauge(std::string family_name, std::string help, double value) {
  return MetricFamily{std::move(family_name), std::move(help), MetricType::gauge, {Sample{{}, value, {}}}};
}

}  // namespace

ExporterMetrics::ExporterMetrics(std::string version, std::string revision, std::string libssh_version)
    : version_(std::move(version)), revision_(std::move(revision)), libssh_version_(std::move(libssh_version)) {}

void ExporterMetrics::probe_started() {
  const std::lock_guard lock(mutex_);
  ++in_flight_;
}

bool ExporterMetrics::try_probe_started(std::size_t max_in_flight) {
  const std::lock_guard lock(mutex_);
  if (max_in_flight != 0 && in_flight_ >= static_cast<std::int64_t>(max_in_flight)) return false;
  ++in_flight_;
  return true;
}

void ExporterMetrics::probe_finished(const std::string& module, bool success, double seconds) {
  probe_answered(module, success, seconds);
  probe_released();
}

void ExporterMetrics::probe_released() {
  const std::lock_guard lock(mutex_);
  --in_flight_;
}

void ExporterMetrics::probe_answered(const std::string& module, bool success, double seconds) {
  const std::lock_guard lock(mutex_);
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

void ExporterMetrics::request_rejected(RejectReason reason) {
  const std::lock_guard lock(mutex_);
  ++rejected_[static_cast<std::size_t>(reason)];
}

void ExporterMetrics::config_loaded(bool success, double unix_seconds) {
  const std::lock_guard lock(mutex_);
  last_load_successful_ = success;
  if (success) last_success_unix_seconds_ = unix_seconds;
}

void ExporterMetrics::event_loop_lag(double seconds) { event_loop_lag(0, seconds); }

void ExporterMetrics::event_loop_lag(std::size_t loop, double seconds) {
  const std::lock_guard lock(mutex_);
  if (loop >= loop_lag_seconds_.size()) loop_lag_seconds_.resize(loop + 1, 0);
  loop_lag_seconds_[loop] = seconds >= 0 ? seconds : 0;
}

MetricFamily ExporterMetrics::probes_total_family() const {
  MetricFamily family{name("probes_total"), "Probes completed, by module and result.", MetricType::counter, {}};
  for (const auto& [key, count] : probes_) {
    family.samples.push_back(Sample{{{"module", key.first}, {"result", key.second}}, static_cast<double>(count), {}});
  }
  return family;
}

MetricFamily ExporterMetrics::duration_family() const {
  MetricFamily family{
      name("probe_duration_seconds"), "Duration of completed probes in seconds.", MetricType::histogram, {}};
  for (const auto& [module, histogram] : durations_) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < histogram.counts.size(); ++i) {
      cumulative += histogram.counts[i];
      const double le = i < kDurationBuckets.size() ? kDurationBuckets[i] : std::numeric_limits<double>::infinity();
      family.samples.push_back(
          Sample{{{"module", module}, {"le", format_value(le)}}, static_cast<double>(cumulative), "_bucket"});
    }
    family.samples.push_back(Sample{{{"module", module}}, histogram.sum, "_sum"});
    family.samples.push_back(Sample{{{"module", module}}, static_cast<double>(histogram.count), "_count"});
  }
  return family;
}

MetricFamily ExporterMetrics::rejected_family() const {
  MetricFamily family{
      name("requests_rejected_total"), "Requests refused before a probe started, by reason.", MetricType::counter, {}};
  for (const RejectReason reason : kAllRejectReasons) {
    family.samples.push_back(Sample{{{"reason", std::string(to_string(reason))}},
                                    static_cast<double>(rejected_[static_cast<std::size_t>(reason)]),
                                    {}});
  }
  // Series sorted by label value, as everywhere else.
  std::ranges::sort(family.samples, {}, [](const Sample& sample) { return sample.labels.front().value; });
  return family;
}

std::vector<MetricFamily> ExporterMetrics::families() const {
  std::vector<MetricFamily> out;
  out.push_back(
      MetricFamily{name("build_info"),
                   "A metric with a constant '1' value labeled by version, revision and libssh version.",
                   MetricType::gauge,
                   {Sample{{{"version", version_}, {"revision", revision_}, {"libssh", libssh_version_}}, 1.0, {}}}});
  const std::lock_guard lock(mutex_);
  out.push_back(probes_total_family());
  out.push_back(MetricFamily{name("probes_in_flight"),
                             "Probes currently running.",
                             MetricType::gauge,
                             {Sample{{}, static_cast<double>(in_flight_), {}}}});
  out.push_back(duration_family());
  out.push_back(rejected_family());
  out.push_back(single_gauge(name("config_last_reload_successful"),
                             "Whether the last configuration load (at startup or a reload) succeeded.",
                             last_load_successful_ ? 1 : 0));
  out.push_back(single_gauge(name("config_last_reload_success_timestamp_seconds"),
                             "Time of the last successful configuration load, in seconds since the epoch.",
                             last_success_unix_seconds_));
  out.push_back(single_gauge(name("event_loop_lag_seconds"),
                             "How late the event loops' once-a-second timers last fired, in seconds "
                             "(the latest figure of the most late loop).",
                             loop_lag_seconds_.empty() ? 0.0 : std::ranges::max(loop_lag_seconds_)));
  return out;
}

}  // namespace spe::metrics
