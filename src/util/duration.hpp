// Duration strings as Prometheus writes them: "10s", "1500ms", "1m30s", "0.5s".
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace spe {

// Parses a sequence of <number><unit> with units ms, s, m, h, d, w (numbers may have a
// fraction). Rejects empty strings, missing units, unknown units, negative values.
// Error code invalid_argument; the message quotes the input: `invalid duration "5x": unknown unit "x"`.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

// The shortest Prometheus spelling: 10000ms -> "10s", 1500ms -> "1500ms", 90000ms -> "1m30s".
std::string format_duration(std::chrono::milliseconds value);

}  // namespace spe
