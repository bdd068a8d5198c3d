#include "debug/debug_output.hpp"

#include <cstdio>
#include <string_view>
#include <utility>

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

std::size_t hop_bytes(const HopReport& hop) {
  std::size_t bytes = hop.name.size();
  if (hop.host_key) bytes += hop.host_key->type.size() + hop.host_key->fingerprint_sha256.size();
  return bytes;
}

std::size_t hops_bytes(const std::vector<HopReport>& hops) {
  std::size_t bytes = hops.capacity() * sizeof(HopReport);
  for (const HopReport& hop : hops) bytes += hop_bytes(hop);
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

// Drops items from the end of `items` until at least `excess` bytes are gone, each counting its
// object and `bytes_of` it; returns how many.
template <typename Item, typename BytesOf>
std::size_t cut_back(std::vector<Item>& items, std::size_t excess, BytesOf bytes_of) {
  std::size_t cut = 0;
  std::size_t count = 0;
  while (!items.empty() && cut < excess) {
    cut += sizeof(Item) + bytes_of(items.back());
    items.pop_back();
    ++count;
  }
  items.shrink_to_fit();
  return count;
}

// The phase's label value of probe_ssh_hop_duration_seconds, with its unit.
std::string_view hop_phase_key(HopPhase phase) {
  switch (phase) {
    case HopPhase::connect: return "connect_seconds";
    case HopPhase::handshake: return "handshake_seconds";
    case HopPhase::host_key: return "host_key_seconds";
    case HopPhase::auth: return "auth_seconds";
    case HopPhase::forward: return "forward_seconds";
  }
  return "internal_seconds";
}

std::string hop_result(const HopReport& hop, bool failed) {
  if (hop.success) return "success";
  if (failed) return "failure";
  return "not_reached";
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

DebugParts take_debug_parts(ProbeReport& report, std::shared_ptr<const std::string> metrics,
                            std::shared_ptr<const std::string> module_toml) {
  DebugParts parts;
  parts.log = std::move(report.log);
  report.log.clear();
  parts.metrics = std::move(metrics);
  parts.module_toml = std::move(module_toml);
  parts.hops = std::move(report.hops);
  report.hops.clear();
  if (report.failed_hop && *report.failed_hop < parts.hops.size()) {
    parts.failed_hop = report.failed_hop;
    parts.failed_hop_reason = report.failure.value_or(FailureReason::internal);
  }
  return parts;
}

std::size_t byte_size(const DebugParts& parts) {
  return log_bytes(parts.log) + text_bytes(parts.metrics) + text_bytes(parts.module_toml) + hops_bytes(parts.hops);
}

void cap_debug_parts(DebugParts& parts, std::size_t max_bytes) {
  // Each round cuts the biggest part by the whole excess or empties it: four rounds at most.
  for (int round = 0; round < 4; ++round) {
    const std::size_t total = byte_size(parts);
    if (total <= max_bytes) return;
    const std::size_t excess = total - max_bytes;
    const std::size_t log = log_bytes(parts.log);
    const std::size_t metrics = text_bytes(parts.metrics);
    const std::size_t module = text_bytes(parts.module_toml);
    const std::size_t hops = hops_bytes(parts.hops);
    if (metrics >= log && metrics >= module && metrics >= hops) {
      parts.metrics_bytes_cut += cut_text(parts.metrics, excess);
    } else if (module >= log && module >= hops) {
      parts.module_bytes_cut += cut_text(parts.module_toml, excess);
    } else if (log >= hops) {
      parts.log_lines_cut += cut_back(parts.log, excess, line_bytes);
    } else {
      parts.hops_cut += cut_back(parts.hops, excess, hop_bytes);
      // A failed hop that was cut is no longer named.
      if (parts.failed_hop && *parts.failed_hop >= parts.hops.size()) parts.failed_hop.reset();
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

std::string format_hops(const std::vector<HopReport>& hops, std::optional<std::size_t> failed_hop,
                        FailureReason failed_hop_reason) {
  std::string out;
  for (std::size_t i = 0; i < hops.size(); ++i) {
    const HopReport& hop = hops[i];
    const bool failed = failed_hop == i && !hop.success;
    std::vector<LogField> fields{{"hop", hop.name}, {"result", hop_result(hop, failed)}};
    if (failed) fields.emplace_back("reason", std::string(to_string(failed_hop_reason)));
    for (const HopPhase phase : kAllHopPhases) {
      if (const auto elapsed = hop.phase_duration(phase)) {
        fields.emplace_back(hop_phase_key(phase), seconds_text(*elapsed));
      }
    }
    if (hop.host_key) {
      fields.emplace_back("host_key_type", hop.host_key->type);
      fields.emplace_back("host_key_fingerprint_sha256", hop.host_key->fingerprint_sha256);
    }
    out += format_logfmt_fields(fields) + "\n";
  }
  return out;
}

std::string debug_output(const DebugParts& parts) {
  std::string out = "Logs for the probe:\n";
  out += format_probe_log(parts.log);
  if (parts.log_lines_cut > 0) out += truncated_line(parts.log_lines_cut, "lines");
  if (!parts.hops.empty() || parts.hops_cut > 0) {
    out += "\nJump hosts:\n";
    out += format_hops(parts.hops, parts.failed_hop, parts.failed_hop_reason);
    if (parts.hops_cut > 0) out += truncated_line(parts.hops_cut, "hops");
  }
  out += "\nMetrics that would have been returned:\n";
  append_text(out, parts.metrics, parts.metrics_bytes_cut);
  if (!out.ends_with('\n')) out += '\n';
  out += "\nModule configuration:\n";
  append_text(out, parts.module_toml, parts.module_bytes_cut);
  return out;
}

}  // namespace spe
