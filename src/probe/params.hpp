// Query-string parsing for /probe: target, module, debug. Pure.
#pragma once

#include <string>
#include <string_view>

#include "util/result.hpp"
#include "util/target.hpp"

namespace spe {

struct ProbeParams {
  Target target;
  std::string target_text;          // as given, decoded
  std::string module = "default";
  bool debug = false;
};

// Percent-decodes ("%3A", "+" as space) a query component. Invalid escapes are invalid_argument.
Result<std::string> url_decode(std::string_view text);

// Parses "target=...&module=...&debug=true". Missing or empty target: invalid_argument
// `missing parameter "target"`; a bad target: invalid_argument `invalid target "X": why`.
// A repeated parameter is an error; unknown parameters are ignored (Prometheus may add some).
Result<ProbeParams> parse_probe_params(std::string_view query);

}  // namespace spe
