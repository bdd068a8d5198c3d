// The collector: ProbeReport -> metric families. Pure. Emits every standard series on every path:
// probe_success, durations, the full probe_ssh_failure{reason} set, phase durations for all phases.
#pragma once

#include <vector>

#include "metric_model/model.hpp"
#include "probe/report.hpp"

namespace spe::metrics {

std::vector<MetricFamily> families_from_report(const ProbeReport& report);

}  // namespace spe::metrics
