// Exposition writers: the Prometheus text format 0.0.4 and OpenMetrics 1.0 text, from the same families.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metric_model/model.hpp"
#include "util/utf8.hpp"

namespace spe::metrics {

inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";
inline constexpr std::string_view kOpenMetricsContentType =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

// Writes "# HELP", "# TYPE" and one line per sample, families in the given order, samples in
// their order. Escapes label values (\\, \", \n) and HELP (\\, \n); writes NaN, +Inf, -Inf;
// numbers in the classic locale with round-trip precision.
std::string write_text(const std::vector<MetricFamily>& families);

// OpenMetrics 1.0 text (the "Text format" section of the OpenMetrics specification): "# TYPE", then
// "# UNIT" for names ending in _seconds or _bytes, then "# HELP" (escaping \\, \n and \"), samples, and
// "# EOF" last. A counter's family is named without "_total" and its samples with it ("foo" ->
// "foo_total" too). Untyped families are "unknown". "le" and "quantile" label values are written as
// canonical numbers ("1.0", "0.005", "+Inf"). Sample values are spelled as in write_text.
std::string write_openmetrics(const std::vector<MetricFamily>& families);

// A number as OpenMetrics' "Canonical Numbers" want "le" and "quantile" label values: Go's %g
// (exponent below 1e-4 and from 1e+06), with ".0" appended when there is neither a point nor an
// exponent: "0.0", "0.005", "1.0", "100000.0", "1e+06", "1e-05", "+Inf".
std::string format_canonical(double value);

// A "le" or "quantile" label value as the number it stands for: a decimal or exponent number with
// an optional sign ("1", "+1", "-0.5", "1e3"), "+Inf", "-Inf", "Inf", "NaN" (any case); else nullopt.
std::optional<double> bound_value(std::string_view text);

// One sample value as write_text spells it: "NaN", "+Inf", "-Inf", exact integers up to 2^53
// without exponent ("1", "1700000000"), anything else the shortest digits that round-trip:
// without exponent from 1e-4 up ("0.005", "0.0005", "1234567.5"), with one below 1e-4 and for
// integers beyond 2^53 ("1e-07", "1e+20"). Never locale-dependent. Also the spelling of a
// histogram's "le" label ("0.005", "1", "+Inf").
std::string format_value(double value);

// For label values taken from the network: invalid UTF-8 becomes U+FFFD.
using spe::sanitize_utf8;

}  // namespace spe::metrics
