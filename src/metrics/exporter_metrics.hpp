// ExporterMetrics: the exporter's own counters for /metrics (ssh_probe_exporter_*): build info,
// probes by module and result, probes in flight, probe duration histogram, rejected requests,
// config reloads and the event loop's lag.
// Constructed once in main and passed down; there is no global instance.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metric_model/model.hpp"
#include "metrics/reject_reason.hpp"

namespace spe::metrics {

class ExporterMetrics {
 public:
  // Upper bounds of ssh_probe_exporter_probe_duration_seconds, in seconds; +Inf is implied.
  static constexpr std::array<double, 13> kDurationBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                              1,     2.5,  5,     10,   30,  60};
  // The three strings become the labels of ssh_probe_exporter_build_info.
  ExporterMetrics(std::string version, std::string revision, std::string libssh_version);

  // The libssh version given at construction, e.g. "0.10.6/openssl/zlib" (for the landing page).
  const std::string& libssh_version() const { return libssh_version_; }

  // All members are thread-safe: they may be called from several io threads at once.

  // A probe began: probes_in_flight + 1.
  void probe_started();
  // A probe may begin if fewer than `max_in_flight` are in flight (0: no limit); then, as
  // probe_started, and true. Otherwise nothing changes and false: check and count are one step,
  // so concurrent requests cannot overshoot the limit.
  bool try_probe_started(std::size_t max_in_flight);
  // A probe ended after `seconds`: probes_in_flight - 1, probes_total{module,result} + 1 and one
  // observation in the duration histogram of `module`. Once a module is seen, both of its result
  // series are reported (the other one at 0), so rate() works from the first probe.
  void probe_finished(const std::string& module, bool success, double seconds);
  // probe_finished in two steps: the answer is counted (probes_total, the histogram) when it is
  // given, the probe leaves probes_in_flight when it has let its connections go (which may be later).
  void probe_answered(const std::string& module, bool success, double seconds);
  void probe_released();
  // A request was refused before probing: requests_rejected_total{reason} + 1. Every reason is
  // always reported, at 0 until it happens.
  void request_rejected(RejectReason reason);
  // A config load finished (at startup or a reload) at `unix_seconds`: sets
  // config_last_reload_successful, and on success config_last_reload_success_timestamp_seconds.
  void config_loaded(bool success, double unix_seconds);
  // How late event loop `loop`'s last periodic timer fired, in seconds; event_loop_lag_seconds
  // shows the most late loop. The one-argument form is loop 0.
  void event_loop_lag(double seconds);
  void event_loop_lag(std::size_t loop, double seconds);

  // A consistent snapshot, in this order: build_info, probes_total, probes_in_flight,
  // probe_duration_seconds, requests_rejected_total, config_last_reload_successful,
  // config_last_reload_success_timestamp_seconds, event_loop_lag_seconds; series sorted by label
  // values.
  std::vector<MetricFamily> families() const;

 private:
  struct Histogram {
    std::array<std::uint64_t, kDurationBuckets.size() + 1> counts{};  // per bucket, last is +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };

  MetricFamily probes_total_family() const;
  MetricFamily duration_family() const;
  MetricFamily rejected_family() const;

  const std::string version_;
  const std::string revision_;
  const std::string libssh_version_;

  mutable std::mutex mutex_;
  std::int64_t in_flight_ = 0;
  std::map<std::pair<std::string, std::string>, std::uint64_t> probes_;  // (module, result)
  std::map<std::string, Histogram> durations_;                           // by module
  std::array<std::uint64_t, kRejectReasonCount> rejected_{};             // by RejectReason
  bool last_load_successful_ = false;
  double last_success_unix_seconds_ = 0;
  std::vector<double> loop_lag_seconds_;  // by loop
};

}  // namespace spe::metrics
