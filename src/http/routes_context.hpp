// What the routes work with: the config, the exporter's metrics, the log, the history, the
// reloader, and the one seam to the prober, ProbeStarter. The exporter starts SshProbes; in-process
// tests pass a fake that answers with a report of their own, with no socket or sshd.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>

#include "config/reloader.hpp"
#include "config/store.hpp"
#include "debug/history.hpp"
#include "log/logger.hpp"
#include "metrics/exporter_metrics.hpp"
#include "probe/probe_request.hpp"
#include "probe/ssh_probe.hpp"  // ProbeCallback, ProbeCanceller

namespace spe::http {

// Starts one probe and returns at once. `done` is called exactly once, from any thread, with the
// probe's report; the returned canceller ends the probe early (its client has gone). Thread-safe.
using ProbeStarter = std::function<ProbeCanceller(ProbeRequest request, ProbeCallback done)>;

struct RoutesContext {
  ProbeStarter start_probe;
  ConfigStore& config;
  metrics::ExporterMetrics& metrics;
  Logger& logger;
  History& history;
  // Where POST /-/reload asks for a load (trigger "http"); its answer comes from that load, or says
  // the load is still running once the reloader's bound has passed.
  Reloader& reloader;
  std::chrono::milliseconds timeout_offset{500};
  std::size_t max_concurrent = 0;  // probes in flight at most; 0: no limit
};

}  // namespace spe::http
