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
  const std::string line = format_log_line(LogFormat::logfmt, {}, parse_log_level(level).value_or(LogLevel::info), msg,
                                           fields);
  return "elapsed_seconds=" + seconds_text(elapsed) + " " + line.substr(line.find(' ') + 1) + "\n";
}

std::size_t line_bytes(const ProbeLogLine& line) {
  using Field = decltype(line.fields)::value_type;
  std::size_t bytes = line.level.size() + line.fields.capacity() * sizeof(Field);
  for (const auto& [key, value] : line.fields) bytes += key.size() + value.size();
  return bytes;
}

std::size_t log_bytes(const std::vector<ProbeLogLine>& log) {
  std::size_t bytes = log.capacity() * sizeof(ProbeLogLine);
  for (const ProbeLogLine& line : log) bytes += line_bytes(line);
  return bytes;
}

std::size_t text_bytes(const std::shared_ptr<const std::string>& text) { return text ? text->size() : 0; }

// Keeps the first whole lines of `text` that fit in its size minus `excess` (a copy of them
// replaces the shared text); returns the bytes cut, at least `excess` or the whole text.
std::size_t cut_text(std::shared_ptr<const std::string>& text, std::size_t excess) {
  const std::size_t size = text->size();
  const std::size_t budget = size > excess ? size - excess : 0;
  const std::size_t last_newline = budget == 0 ? std::string::npos : text->rfind('\n', budget - 1);
  const std::size_t kept = last_newline == std::string::npos ? 0 : last_newline + 1;
  text = std::make_shared<const std::string>(text->substr(0, kept));
  return size - kept;
}

// Drops lines from the end until at least `excess` bytes are gone; returns how many lines.
std::size_t cut_log(std::vector<ProbeLogLine>& log, std::size_t excess) {
  std::size_t cut = 0;
  std::size_t lines = 0;
  while (!log.empty() && cut < excess) {
    cut += sizeof(ProbeLogLine) + line_bytes(log.back());
    log.pop_back();
    ++lines;
  }
  log.shrink_to_fit();
  return lines;
}

std::string truncated_line(std::size_t count, std::string_view unit) {
  return "[truncated: " + std::to_string(count) + " " + std::string(unit) + " more]\n";
}

void append_text(std::string& out, const std::shared_ptr<const std::string>& text, std::size_t bytes_cut) {
  if (text) out += *text;
  if (bytes_cut == 0) return;
  if (!out.ends_with('\n')) out += '\n';
  out += truncated_line(bytes_cut, "bytes");
}

}  // namespace

std::size_t byte_size(const DebugParts& parts) {
  return log_bytes(parts.log) + text_bytes(parts.metrics) + text_bytes(parts.module_toml);
}

void cap_debug_parts(DebugParts& parts, std::size_t max_bytes) {
  // Each round cuts the biggest part by the whole excess or empties it: three rounds at most.
  for (int round = 0; round < 3; ++round) {
    const std::size_t total = byte_size(parts);
    if (total <= max_bytes) return;
    const std::size_t excess = total - max_bytes;
    const std::size_t log = log_bytes(parts.log);
    const std::size_t metrics = text_bytes(parts.metrics);
    const std::size_t module = text_bytes(parts.module_toml);
    if (metrics >= log && metrics >= module) {
      parts.metrics_bytes_cut += cut_text(parts.metrics, excess);
    } else if (module >= log) {
      parts.module_bytes_cut += cut_text(parts.module_toml, excess);
    } else {
      parts.log_lines_cut += cut_log(parts.log, excess);
    }
  }
}

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

std::string debug_output(const DebugParts& parts) {
  std::string out = "Logs for the probe:\n";
  out += format_probe_log(parts.log);
  if (parts.log_lines_cut > 0) out += truncated_line(parts.log_lines_cut, "lines");
  out += "\nMetrics that would have been returned:\n";
  append_text(out, parts.metrics, parts.metrics_bytes_cut);
  if (!out.ends_with('\n')) out += '\n';
  out += "\nModule configuration:\n";
  append_text(out, parts.module_toml, parts.module_bytes_cut);
  return out;
}

}  // namespace spe
