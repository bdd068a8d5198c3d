// Query-string parsing for /probe: target, module, debug. Pure.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "util/query_string.hpp"  // url_decode
#include "util/result.hpp"
#include "util/target.hpp"

namespace spe {

struct ProbeParams {
  Target target;
  std::string target_text;  // as given, decoded
  std::string module = "default";
  bool debug = false;
};

// Which part of the query a ProbeParamsError is about: the query string as a whole (a parameter
// name that does not decode), or one of the parameters.
enum class ProbeParam { query, target, module, debug };

struct ProbeParamsError {
  ProbeParam parameter = ProbeParam::query;
  ErrorCode code = ErrorCode::invalid_argument;
  std::string message;  // one line, naming the parameter
};

// Parses "target=...&module=...&debug=true". Missing or empty target: invalid_argument
// `missing parameter "target"`; a bad target: invalid_argument `invalid target "X": why`.
// A repeated parameter is an error; unknown parameters are ignored (Prometheus may add some).
// The target is checked first, so a query with several faults names the target's.
std::expected<ProbeParams, ProbeParamsError> parse_probe_params(std::string_view query);

}  // namespace spe
