// What both output parsers need: output cut into bounded lines, and numbers read the way
// Prometheus reads sample values.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace spe {

// `output` cut at "\n", each line without its "\n" and one trailing "\r"; a last line without
// "\n" counts, an empty output has no lines. More than kMaxOutputLines lines, or a line longer
// than kMaxOutputLineBytes, is an error (failed_precondition). The views point into `output`.
Result<std::vector<std::string_view>> split_output_lines(std::string_view output);

// A float as Go's strconv.ParseFloat (and so Prometheus) reads it: optional sign, decimal digits
// with optional fraction and exponent, "Inf"/"Infinity"/"NaN" in any case; the whole text, no
// spaces. Out of range (1e999) is not a number.
std::optional<double> parse_number(std::string_view text);

// `text` made valid UTF-8 and cut to about `limit` bytes, for quoting input in error messages.
std::string quote_input(std::string_view text, std::size_t limit = 64);

}  // namespace spe
