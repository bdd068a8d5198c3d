// What the benchmark reads about processes and the machine from /proc: CPU time (a process's own and
// that of its reaped children), memory, open descriptors, load average and the CPU model.
#pragma once

#include <sys/types.h>

#include <string>

namespace spe::bench {

// CPU seconds from /proc/PID/stat: utime + stime of the process itself, and cutime + cstime of the
// children it has waited for (which include their own reaped children in turn).
struct CpuTimes {
  double self = 0;
  double children = 0;
  double total() const { return self + children; }
};

// Throws std::runtime_error when the process is gone. Clock-tick resolution (10 ms).
CpuTimes process_cpu(pid_t pid);

// The process's own CPU seconds (all threads, user + system) from its CPU-time clock
// (clock_getcpuclockid): the same time as utime + stime, to the nanosecond. Falls back to process_cpu.
double process_cpu_precise(pid_t pid);

// CPU seconds of this process's waited-for children (getrusage RUSAGE_CHILDREN, user + system).
double reaped_children_cpu();

// Kilobytes from /proc/PID/status ("VmRSS", "VmHWM"); -1 when unavailable.
long status_kb(pid_t pid, const std::string& field);

// Entries in /proc/PID/fd; -1 when unavailable.
long open_fds(pid_t pid);

// A process's VmRSS and open descriptors, read when it is idle.
struct IdleSample {
  long rss_kb = 0;
  long fds = 0;
};

// Once the probes are over, the exporter still closes the client connections it has read EOF on: waits
// (at most 5 s) until its descriptor count holds still for 300 ms, then reads.
IdleSample idle_sample(pid_t pid);

// How much `after` grew over `before`, in percent (0 when before is not positive).
double growth_percent(long before, long after);

// "0.52 0.61 0.70" (the 1, 5 and 15 minute load averages).
std::string load_average();
double load_average_1m();

// "model name" from /proc/cpuinfo, or "unknown".
std::string cpu_model();

// The soft RLIMIT_NOFILE in force.
unsigned long current_fd_limit();

// Raises RLIMIT_NOFILE (soft and hard) to at least `want` when allowed (root), otherwise the soft
// limit to the hard one. Returns the soft limit in force afterwards. Children inherit it.
unsigned long raise_fd_limit_to(unsigned long want);

}  // namespace spe::bench
