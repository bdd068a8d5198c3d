// What debug=true on /probe returns and /logs?id=N shows (blackbox's DebugOutput): the probe's own
// log, the metrics the probe would have returned, and the module's config with secrets masked.
// DebugParts holds what the text is built from, as plain owned data, so that keeping it (the
// history does) costs no formatting per probe and keeps nothing else alive. Pure.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "probe/report.hpp"

namespace spe {

// The three parts of a debug text. Nothing here can hold a config snapshot, a module or a report:
// only the log lines (moved out of the report), the metrics text as rendered for the answer, and
// the module's TOML as rendered once at load (Module::toml), the last two shared read-only.
struct DebugParts {
  std::vector<ProbeLogLine> log;
  std::shared_ptr<const std::string> metrics;      // null: none
  std::shared_ptr<const std::string> module_toml;  // null: none
  // What cap_debug_parts cut off; each cut shows as a "[truncated: ...]" line after its part.
  std::size_t log_lines_cut = 0;
  std::size_t metrics_bytes_cut = 0;
  std::size_t module_bytes_cut = 0;
};

// The bytes the parts keep in memory: the text of every string, plus the size of the objects that
// hold the log's lines and fields. Counts a shared string in full, as if nothing else held it.
std::size_t byte_size(const DebugParts& parts);

// Cuts the parts until byte_size(parts) <= max_bytes, the biggest part first: a text keeps its
// first whole lines (a line cut in two would read as a wrong value), the log its first lines.
// A text it cuts is copied (up to what is kept); shared text it does not cut stays shared.
void cap_debug_parts(DebugParts& parts, std::size_t max_bytes);

// One logfmt line per ProbeLogLine, elapsed time first:
// `elapsed_seconds=0.001234 level=debug msg="tcp connected" address=127.0.0.1:22`.
std::string format_probe_log(const std::vector<ProbeLogLine>& lines);

// The whole text, in three sections, each followed by its "[truncated: ...]" line when it was cut:
//   Logs for the probe:            the log (the prober ends it with its outcome)
//   Metrics that would have been returned:
//   Module configuration:          the module's TOML (config/render.hpp's render_module)
std::string debug_output(const DebugParts& parts);

}  // namespace spe
