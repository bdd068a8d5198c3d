// Text exposition format 0.0.4 writer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "metrics/model.hpp"

namespace spe::metrics {

inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

// Writes "# HELP", "# TYPE" and one line per sample, families in the given order, samples in
// their order. Escapes label values (\\, \", \n) and HELP (\\, \n); writes NaN, +Inf, -Inf;
// numbers in the classic locale with round-trip precision.
std::string write_text(const std::vector<MetricFamily>& families);

// Makes `text` valid UTF-8: invalid bytes become U+FFFD. For label values taken from the network.
std::string sanitize_utf8(std::string_view text);

}  // namespace spe::metrics
