// What debug=true on /probe returns and /logs?id=N shows (blackbox's DebugOutput): the probe's own
// log, what each jump host did (through jump hosts), the metrics the probe would have returned, and
// the module's config with secrets masked.
// DebugParts holds what the text is built from, as plain owned data, so that keeping it (the
// history does) costs no formatting per probe and keeps nothing else alive. Pure.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "probe/report.hpp"

namespace spe {

// The parts of a debug text. Nothing here can hold a config snapshot, a module or a report: only
// the log lines and the jump hosts' reports (moved out of the report), the metrics text as
// rendered for the answer, and the module's TOML as rendered once at load (Module::toml), the last
// two shared read-only.
struct DebugParts {
  std::vector<ProbeLogLine> log;
  std::shared_ptr<const std::string> metrics;      // null: none
  std::shared_ptr<const std::string> module_toml;  // null: none
  // Through jump hosts: what each hop did, in the chain's order; empty for a direct probe.
  std::vector<HopReport> hops;
  std::optional<std::size_t> failed_hop;                      // index into hops of the hop the probe failed at
  FailureReason failed_hop_reason = FailureReason::internal;  // why, when failed_hop is set
  // What cap_debug_parts cut off; each cut shows as a "[truncated: ...]" line after its part.
  std::size_t log_lines_cut = 0;
  std::size_t metrics_bytes_cut = 0;
  std::size_t module_bytes_cut = 0;
  std::size_t hops_cut = 0;
};

// The parts of a finished probe: its log and hops moved out of `report` (the rest of it is left as
// it was), with the metrics text and module TOML given.
DebugParts take_debug_parts(ProbeReport& report, std::shared_ptr<const std::string> metrics,
                            std::shared_ptr<const std::string> module_toml);

// The bytes the parts keep in memory: the text of every string, plus the size of the objects that
// hold the log's lines and fields. Counts a shared string in full, as if nothing else held it.
std::size_t byte_size(const DebugParts& parts);

// Cuts the parts until byte_size(parts) <= max_bytes, the biggest part first: a text keeps its
// first whole lines (a line cut in two would read as a wrong value), the log and the hops their
// first entries.
// A text it cuts is copied (up to what is kept); shared text it does not cut stays shared.
void cap_debug_parts(DebugParts& parts, std::size_t max_bytes);

// One logfmt line per ProbeLogLine, elapsed time first:
// `elapsed_seconds=0.001234 level=debug msg="tcp connected" address=127.0.0.1:22`.
std::string format_probe_log(const std::vector<ProbeLogLine>& lines);

// One logfmt line per hop, in the chain's order: what it did, which phases it reached and how long
// each took, the host key it showed, and for the hop the probe failed at, why:
// `hop=bastion result=failure reason=host_key connect_seconds=0.001000 handshake_seconds=0.020000
// host_key_seconds=0.000100 host_key_type=ssh-ed25519 host_key_fingerprint_sha256=SHA256:...`;
// result is success, failure or not_reached. Phases not reached are left out.
std::string format_hops(const std::vector<HopReport>& hops, std::optional<std::size_t> failed_hop,
                        FailureReason failed_hop_reason);

// The whole text, in sections, each followed by its "[truncated: ...]" line when it was cut:
//   Logs for the probe:            the log (the prober ends it with its outcome)
//   Jump hosts:                    format_hops, only for a probe through jump hosts
//   Metrics that would have been returned:
//   Module configuration:          the module's TOML (config/render.hpp's render_module)
std::string debug_output(const DebugParts& parts);

}  // namespace spe
