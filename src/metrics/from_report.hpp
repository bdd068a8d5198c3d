// The collector: ProbeReport -> metric families. Pure. Emits every standard series on every path:
// probe_success, durations, the full probe_ssh_failure{reason} set, phase durations for all phases.
// Through jump hosts, also on every path: probe_ssh_hop_success{hop} and all five
// probe_ssh_hop_duration_seconds{hop,phase} per hop, in chain order, and
// probe_ssh_hop_host_key_info{hop,type,fingerprint_sha256} for each hop whose key was seen. A direct
// probe (no hops) has none of the three.
#pragma once

#include <vector>

#include "metric_model/model.hpp"
#include "probe/report.hpp"

namespace spe::metrics {

std::vector<MetricFamily> families_from_report(const ProbeReport& report);

}  // namespace spe::metrics
