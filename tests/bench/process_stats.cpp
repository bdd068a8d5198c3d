#include "bench/process_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <ctime>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/temp_dir.hpp"

namespace spe::bench {

CpuTimes process_cpu(pid_t pid) {
  const std::string stat = test::read_file("/proc/" + std::to_string(pid) + "/stat");
  // The command name in parentheses may hold spaces: the fields proper start after the last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) throw std::runtime_error("cannot read /proc/" + std::to_string(pid) + "/stat");
  std::istringstream fields(stat.substr(close + 2));
  // Fields 3..17 of proc(5): state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
  // utime stime cutime cstime.
  std::string skip;
  for (int i = 3; i <= 13; ++i) fields >> skip;
  long long utime = 0, stime = 0, cutime = 0, cstime = 0;
  fields >> utime >> stime >> cutime >> cstime;
  if (!fields) throw std::runtime_error("cannot parse /proc/" + std::to_string(pid) + "/stat");
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return CpuTimes{static_cast<double>(utime + stime) / tick, static_cast<double>(cutime + cstime) / tick};
}

double process_cpu_precise(pid_t pid) {
  clockid_t clock{};
  timespec now{};
  if (::clock_getcpuclockid(pid, &clock) != 0 || ::clock_gettime(clock, &now) != 0) return process_cpu(pid).self;
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

double reaped_children_cpu() {
  rusage usage{};
  ::getrusage(RUSAGE_CHILDREN, &usage);
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

long status_kb(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with(field) && line.size() > field.size() && line[field.size()] == ':') {
      return std::stol(line.substr(field.size() + 1));
    }
  }
  return -1;
}

long open_fds(pid_t pid) {
  std::error_code ec;
  long count = 0;
  for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++count;
  }
  return ec ? -1 : count;
}

std::string load_average() {
  std::istringstream fields(test::read_file("/proc/loadavg"));
  std::string one, five, fifteen;
  fields >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

double load_average_1m() {
  std::istringstream fields(test::read_file("/proc/loadavg"));
  double one = 0;
  fields >> one;
  return one;
}

std::string cpu_model() {
  std::istringstream lines(test::read_file("/proc/cpuinfo"));
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("model name")) continue;
    const auto colon = line.find(':');
    if (colon != std::string::npos && colon + 2 <= line.size()) return line.substr(colon + 2);
  }
  return "unknown";
}

unsigned long current_fd_limit() {
  rlimit limit{};
  return ::getrlimit(RLIMIT_NOFILE, &limit) == 0 ? static_cast<unsigned long>(limit.rlim_cur) : 0;
}

unsigned long raise_fd_limit_to(unsigned long want) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_max < want) {
    const rlimit raised{want, want};
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) return want;  // EPERM unless privileged
  }
  return test::raise_fd_limit();
}

IdleSample idle_sample(pid_t pid) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::seconds{5};
  long fds = open_fds(pid);
  auto stable_since = Clock::now();
  while (Clock::now() < deadline && Clock::now() - stable_since < std::chrono::milliseconds{300}) {
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
    const long now = open_fds(pid);
    if (now != fds) {
      fds = now;
      stable_since = Clock::now();
    }
  }
  return IdleSample{status_kb(pid, "VmRSS"), fds};
}

double growth_percent(long before, long after) {
  return before <= 0 ? 0 : 100.0 * static_cast<double>(after - before) / static_cast<double>(before);
}

}  // namespace spe::bench
