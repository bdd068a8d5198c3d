// The standard process_* metrics of the Prometheus client libraries, read from /proc (Linux).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "metric_model/model.hpp"

namespace spe::metrics {

// The fields of /proc/<pid>/stat that the process metrics use, in the kernel's units.
struct ProcStat {
  double utime_ticks = 0;  // field 14, clock ticks
  double stime_ticks = 0;  // field 15, clock ticks
  double start_ticks = 0;  // field 22, clock ticks after boot
  double vsize_bytes = 0;  // field 23
  double rss_pages = 0;    // field 24
};

// Parses the text of /proc/<pid>/stat. The command name (field 2) may hold spaces and ')', so
// fields are counted from the last ')'. nullopt when the text is malformed or too short.
std::optional<ProcStat> parse_proc_stat(std::string_view text);

// The boot time ("btime" line) from the text of /proc/stat, in Unix seconds.
std::optional<double> parse_boot_time(std::string_view text);

// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds for the calling process, with
// the names and help texts of the Prometheus client libraries. A family whose source cannot be
// read is left out rather than reported as 0. Thread-safe (reads /proc only); costs a few
// syscalls per call.
std::vector<MetricFamily> process_families();

}  // namespace spe::metrics
