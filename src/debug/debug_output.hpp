// What debug=true on /probe returns and /logs?id=N shows (blackbox's DebugOutput): the probe's own
// log, the metrics the probe would have returned, and the module's config with secrets masked.
// Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "probe/report.hpp"

namespace spe {

// One logfmt line per ProbeLogLine, elapsed time first:
// `elapsed_seconds=0.001234 level=debug msg="tcp connected" address=127.0.0.1:22`.
std::string format_probe_log(const std::vector<ProbeLogLine>& lines);

// The whole text, in three sections:
//   Logs for the probe:            the report's log (the prober ends it with its outcome)
//   Metrics that would have been returned:
//   Module configuration:          `module_toml` (config/render.hpp's render_module)
std::string debug_output(const ProbeReport& report, std::string_view metrics_text, std::string_view module_toml);

}  // namespace spe
