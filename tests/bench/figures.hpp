// The benchmark's figures (issue 5), one function each. Every function runs its repetitions against the
// bed, measuring each value beside its baseline in the same repetition, and returns rows and notes.
#pragma once

#include "bench/bench_bed.hpp"
#include "bench/report.hpp"

namespace spe::bench {

FigureResult figure_cpu_per_probe(BenchBed& bed);  // 1: exporter CPU per probe vs the crypto floor
FigureResult figure_ssh_client(BenchBed& bed);     // 2: the same probe by the OpenSSH client
FigureResult figure_latency(BenchBed& bed);        // 3: sequential latency p50 / p99
FigureResult figure_stuck_in_kex(BenchBed& bed);   // 4: 1,000 in flight, server stuck in key exchange
FigureResult figure_silent_10k(BenchBed& bed);     // 5: 10,000 in flight, silent server
FigureResult figure_saturation(BenchBed& bed);     // 6: 32 clients for 20 s, exporter vs sshd CPU
FigureResult figure_known_hosts(BenchBed& bed);    // 7: 1-line vs 10,000-line known_hosts
FigureResult figure_soak(BenchBed& bed);           // 8: RSS and fds over a long mixed run
FigureResult figure_reload_soak(BenchBed& bed);    // 9: reloads of a big known_hosts while probing
FigureResult figure_jump_host(BenchBed& bed);      // 10: CPU and latency through one jump host vs direct
FigureResult figure_hop_in_flight(BenchBed& bed);  // 11: as 4, through one jump host

}  // namespace spe::bench
