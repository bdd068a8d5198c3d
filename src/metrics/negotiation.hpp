// Content negotiation for metric bodies: an HTTP Accept header -> the exposition format to answer
// in, its Content-Type, and the text. Pure; what client_golang's expfmt.Negotiate does, for the two
// text formats this exporter writes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metric_model/model.hpp"

namespace spe::metrics {

enum class Format {
  text,               // Prometheus text 0.0.4: the default
  openmetrics_1_0_0,  // OpenMetrics text; also when asked without a version (the spec's default)
  openmetrics_0_0_1,  // the same body, labelled as the pre-1.0 version a client asked for
};

// The format for an Accept header (nullopt: no header). Media ranges are ranked by q (highest
// first; ties keep the header's order) and the first one this exporter can write wins:
// application/openmetrics-text (version absent, 1.0.0 or 0.0.1), text/plain (version absent or
// 0.0.4), text/* or */*. Ranges with q=0, an invalid q, or a version we do not write are skipped.
// Nothing acceptable (protobuf only, say) falls back to text rather than 406, as Prometheus'
// own client libraries do. Prometheus 2.x sends
// "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,
// text/plain;version=0.0.4;q=0.5,*/*;q=0.1" and so gets OpenMetrics 1.0.0.
Format negotiate_format(std::optional<std::string_view> accept);

// "text/plain; version=0.0.4; charset=utf-8", "application/openmetrics-text; version=1.0.0; charset=utf-8", ...
std::string_view content_type(Format format);

// The families written in `format` (write_text or write_openmetrics).
std::string write_exposition(const std::vector<MetricFamily>& families, Format format);

}  // namespace spe::metrics
