#include "metrics/process.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

#include "util/file.hpp"

namespace spe::metrics {
namespace {

// /proc/stat has a line per CPU and per interrupt source: a few hundred KB on the largest machines.
constexpr std::size_t kMaxProcFileSize = 4 << 20;

// A /proc file (a regular file of size 0 to fstat, read to its end), or nullopt.
std::optional<std::string> read_file(const char* path) {
  auto content = read_file_bounded(path, kMaxProcFileSize);
  if (!content) return std::nullopt;
  return std::move(content->text);
}

// Splits on spaces; /proc fields are separated by exactly one space and have no quoting.
std::vector<std::string_view> split_fields(std::string_view text) {
  std::vector<std::string_view> fields;
  while (!text.empty()) {
    const auto start = text.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    text.remove_prefix(start);
    const auto end = text.find_first_of(" \n");
    fields.push_back(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end);
  }
  return fields;
}

std::optional<double> parse_number(std::string_view text) {
  unsigned long long value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return static_cast<double>(value);
}

MetricFamily family(std::string name, std::string help, MetricType type, double value) {
  return MetricFamily{std::move(name), std::move(help), type, {Sample{{}, value, {}}}};
}

std::optional<double> count_open_fds() {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/self/fd", ec);
  if (ec) return std::nullopt;
  double count = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return std::nullopt;
    ++count;
  }
  return count;
}

std::optional<double> max_fds() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return std::nullopt;
  return static_cast<double>(limit.rlim_cur);
}

void add_stat_families(std::vector<MetricFamily>& out, const ProcStat& stat) {
  const double ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page_size = static_cast<double>(sysconf(_SC_PAGESIZE));
  out.push_back(family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                       MetricType::counter, (stat.utime_ticks + stat.stime_ticks) / ticks_per_second));
  out.push_back(family("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::gauge,
                       stat.rss_pages * page_size));
  out.push_back(
      family("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::gauge, stat.vsize_bytes));
}

std::optional<double> start_time_seconds(const ProcStat& stat) {
  const auto proc_stat = read_file("/proc/stat");
  if (!proc_stat) return std::nullopt;
  const auto boot_time = parse_boot_time(*proc_stat);
  if (!boot_time) return std::nullopt;
  return *boot_time + stat.start_ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  const auto close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  // fields[0] is field 3 (state), so field N is fields[N - 3].
  const auto fields = split_fields(text.substr(close + 1));
  if (fields.size() < 22) return std::nullopt;
  const auto utime = parse_number(fields[14 - 3]);
  const auto stime = parse_number(fields[15 - 3]);
  const auto start = parse_number(fields[22 - 3]);
  const auto vsize = parse_number(fields[23 - 3]);
  const auto rss = parse_number(fields[24 - 3]);
  if (!utime || !stime || !start || !vsize || !rss) return std::nullopt;
  return ProcStat{*utime, *stime, *start, *vsize, *rss};
}

std::optional<double> parse_boot_time(std::string_view text) {
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (!line.starts_with("btime ")) continue;
    const auto fields = split_fields(line);
    if (fields.size() != 2) return std::nullopt;
    return parse_number(fields[1]);
  }
  return std::nullopt;
}

std::vector<MetricFamily> process_families() {
  std::vector<MetricFamily> out;
  const auto stat_text = read_file("/proc/self/stat");
  const auto stat = stat_text ? parse_proc_stat(*stat_text) : std::nullopt;
  if (stat) add_stat_families(out, *stat);
  if (const auto fds = count_open_fds()) {
    out.push_back(family("process_open_fds", "Number of open file descriptors.", MetricType::gauge, *fds));
  }
  if (const auto limit = max_fds()) {
    out.push_back(family("process_max_fds", "Maximum number of open file descriptors.", MetricType::gauge, *limit));
  }
  if (const auto start = stat ? start_time_seconds(*stat) : std::nullopt) {
    out.push_back(family("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                         MetricType::gauge, *start));
  }
  return out;
}

}  // namespace spe::metrics
