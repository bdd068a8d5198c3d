// A batch of identical probes through the exporter, with the exporter's CPU time measured around it: the
// building block of the figures that count CPU per probe or latency.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "support/exporter_process.hpp"

namespace spe::bench {

struct BatchResult {
  std::size_t sent = 0;
  std::size_t succeeded = 0;          // probe_success 1
  std::vector<std::string> failures;  // one line per other answer (first few kept)
  std::size_t failed = 0;
  double exporter_cpu_seconds = 0;  // utime + stime delta of the whole exporter process
  double wall_seconds = 0;
  std::vector<double> latency_ms;                       // per successful probe, request written -> answer read
  std::map<std::string, std::vector<double>> phase_ms;  // per successful probe, as the exporter reports them

  double cpu_ms_per_success() const { return succeeded == 0 ? 0 : 1000 * exporter_cpu_seconds / succeeded; }
};

// Sends `probes` GETs of path over `connections` keep-alive connections, all in flight together as far
// as the connections allow.
BatchResult run_probe_batch(test::ExporterProcess& exporter, const std::string& path, std::size_t probes,
                            std::size_t connections);

// The p-th percentile (0..100) by nearest rank; 0 for no values.
double percentile(std::vector<double> values, double p);

}  // namespace spe::bench
