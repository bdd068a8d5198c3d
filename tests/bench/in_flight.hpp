// Many probes in flight at once against one adversarial server, all ending at their deadline: the shared
// measurement behind figures 4 and 5 (peak memory and how late the answers come).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "bench/bench_bed.hpp"
#include "support/adversarial.hpp"
#include "support/sshd.hpp"

namespace spe::bench {

struct InFlightRun {
  std::size_t probes = 0;
  std::size_t timed_out = 0;            // answered with probe_success 0 and reason timeout, as expected
  std::size_t timed_out_past_hops = 0;  // of them, with every jump host passed (through a bastion only)
  std::vector<std::string> unexpected;  // the first few other answers
  std::size_t unexpected_count = 0;
  std::size_t within_25ms = 0;             // answers read at most deadline + 25 ms after their request was sent
  long idle_rss_kb = 0;                    // VmRSS after one warm-up probe, before the load
  long peak_rss_kb = 0;                    // VmHWM after the load
  double worst_client_overshoot_ms = 0;    // max over answers of (read - sent) - deadline
  double worst_exporter_overshoot_ms = 0;  // max of probe_duration_seconds - probe_timeout_seconds
  std::size_t server_connections = 0;      // accepted by the adversarial server
  std::string load_before, load_after;     // load averages
};

// A fresh adversarial server and a fresh exporter (so VmHWM is this run's peak), one warm-up login to the
// test sshd, then `probes` requests at once, each on its own connection, with the given module timeout.
// With `through`, the probes (and the warm-up login) go through that bastion as jump host.
InFlightRun run_in_flight(BenchBed& bed, test::Misbehaviour misbehaviour, std::size_t probes,
                          std::chrono::milliseconds deadline, const test::TestSshd* through = nullptr);

}  // namespace spe::bench
