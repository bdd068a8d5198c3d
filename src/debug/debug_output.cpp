#include "debug/debug_output.hpp"

#include <cstdio>

#include "log/logger.hpp"

namespace spe {
namespace {

std::string seconds_text(std::chrono::nanoseconds elapsed) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", std::chrono::duration<double>(elapsed).count());
  return buf;
}

// The logger's own logfmt (same quoting and escaping), without its timestamp: format_log_line
// writes "ts=<time> " first, and a timestamp never holds a space.
std::string logfmt_line(std::chrono::nanoseconds elapsed, std::string_view level, std::string_view msg,
                        const std::vector<LogField>& fields) {
  const std::string line = format_log_line(LogFormat::logfmt, {}, parse_log_level(level).value_or(LogLevel::info),
                                           msg, fields);
  return "elapsed_seconds=" + seconds_text(elapsed) + " " + line.substr(line.find(' ') + 1) + "\n";
}

}  // namespace

std::string format_probe_log(const std::vector<ProbeLogLine>& lines) {
  std::string out;
  for (const ProbeLogLine& line : lines) {
    std::string_view msg;
    std::vector<LogField> fields;
    for (std::size_t i = 0; i < line.fields.size(); ++i) {
      const auto& [key, value] = line.fields[i];
      if (i == 0 && key == "msg") {
        msg = value;
      } else {
        fields.emplace_back(key, value);
      }
    }
    out += logfmt_line(line.elapsed, line.level, msg, fields);
  }
  return out;
}

std::string debug_output(const ProbeReport& report, std::string_view metrics_text, std::string_view module_toml) {
  std::string out = "Logs for the probe:\n";
  out += format_probe_log(report.log);
  out += "\nMetrics that would have been returned:\n";
  out += metrics_text;
  if (!metrics_text.empty() && !metrics_text.ends_with('\n')) out += '\n';
  out += "\nModule configuration:\n";
  out += module_toml;
  return out;
}

}  // namespace spe
