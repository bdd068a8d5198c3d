// Command output -> metric families: gauges read by a command's RE2 rules, and Prometheus text
// passed through after validation. Pure and bounded: no I/O, work linear in the output, and output
// past the caps below is an error, never unbounded memory. Safe to call from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "config/model.hpp"
#include "metric_model/model.hpp"
#include "util/result.hpp"

namespace spe {

// Output with more lines than this, or a longer line, is refused by both parsers (a line is what
// ends in "\n"; a last line without one counts too). Output itself is at most max_output_bytes.
inline constexpr std::size_t kMaxOutputLines = 100'000;
inline constexpr std::size_t kMaxOutputLineBytes = 64 * 1024;

// The gauges of `command.gauges`, read from `output` one line at a time (a trailing "\r" is
// dropped; a regex never sees two lines at once; bytes that are not UTF-8 are U+FFFD to the
// regexes, so labels are always valid UTF-8). Per rule, every matching line is a sample
// (match = each) or only the first one (match = first). A sample's value is its value group: a
// word of the rule's `map` gives its number, else it must be a number ("12", "-1.5e3", "NaN",
// "+Inf"); anything else is an error, so a line the rule cannot read fails the command instead of
// leaving a hole. The value is multiplied by `scale`. Labels: every other named group (empty if
// it took no part in the match) and the constant labels, sorted by name; no "command" label is
// added. Rules with the same name make one family (gauge; help from the first rule that has one,
// else a default), in the order the names first appear in the config; a family without samples
// is left out. Errors (failed_precondition): output past the caps, a value that is neither a
// number nor mapped, two samples of one series (same gauge and label set). Empty when the command
// has no gauges.
Result<std::vector<metrics::MetricFamily>> derive_gauges(const Command& command, std::string_view output);

// What a command's output gave: its families, and notes on what was left out of them on purpose
// (one line each, for the probe's debug log).
struct DerivedOutput {
  std::vector<metrics::MetricFamily> families;
  std::vector<std::string> notes;
};

// Prometheus text format 0.0.4 -> families, validated so that they are valid exposition when
// written back: "# HELP" (unescaped: \\ and \n) and "# TYPE" (counter, gauge, histogram, summary,
// untyped) at most once per family, TYPE before the family's samples; samples `name{labels} value
// [timestamp]` with escaped label values (\\, \", \n), values as Prometheus reads them (NaN, +Inf,
// -Inf, exponents), the timestamp checked and dropped. Histograms take name_bucket (with a numeric
// "le"), name_sum and name_count; summaries name (with a numeric "quantile"), name_sum and
// name_count; a sample without TYPE is an untyped family of its own. Label values and HELP are
// made valid UTF-8; a family without HELP gets a default one. `prefix` is prepended to every
// family name; a name then in the exporter's own namespaces (probe_*, ssh_probe_exporter_*) is an
// error. Families in the order first seen, samples in input order. Errors (failed_precondition,
// message "line N: ..." where a line is to blame): syntax, invalid names, a duplicate series,
// HELP/TYPE out of place, a suffix its type does not have, two families writing the same line
// names in either format, what OpenMetrics forbids though the text format allows it (negative or
// NaN counters, histograms without le="+Inf" or with unsorted buckets, a quantile outside 0..1:
// Registry::add lists them), input past the caps. One exception to the line-name rule: a gauge or
// untyped family X_created beside a counter, histogram or summary X (or a counter X_total), as
// Python's prometheus_client writes the created timestamp in the text format, is left out with a
// note naming both, since in OpenMetrics that name is X's own _created line, which the exporter
// does not write; an X_created family without such an X is an ordinary family.
Result<DerivedOutput> parse_prometheus_text(std::string_view text, std::string_view prefix);

// What the command's format calls for: parse_prometheus_text(output, command.prefix) for
// format = prometheus, derive_gauges(command, output) (no notes) for text.
Result<DerivedOutput> derive_metrics(const Command& command, std::string_view output);

}  // namespace spe
