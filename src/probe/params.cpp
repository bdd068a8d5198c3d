// /probe query string -> ProbeParams: split and decode (QueryString), then check target, module
// and debug.
#include "probe/params.hpp"

#include <optional>

namespace spe {
namespace {

std::unexpected<ProbeParamsError> param_error(ProbeParam parameter, std::string message) {
  return std::unexpected(ProbeParamsError{parameter, ErrorCode::invalid_argument, std::move(message)});
}

Result<bool> parse_debug(std::string_view text) {
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  return fail(ErrorCode::invalid_argument, "invalid debug \"" + std::string(text) + "\": expected true or false");
}

}  // namespace

std::expected<ProbeParams, ProbeParamsError> parse_probe_params(std::string_view query) {
  const auto parsed = QueryString::parse(query);
  if (!parsed) return param_error(ProbeParam::query, parsed.error().message);

  const auto target_text = parsed->single("target");
  if (!target_text) return param_error(ProbeParam::target, target_text.error().message);
  if (!*target_text || (*target_text)->empty()) return param_error(ProbeParam::target, "missing parameter \"target\"");
  ProbeParams params;
  params.target_text = **target_text;
  auto target = parse_target(params.target_text);
  if (!target) {
    return param_error(ProbeParam::target, "invalid target \"" + params.target_text + "\": " + target.error().message);
  }
  params.target = std::move(*target);

  const auto module = parsed->single("module");
  if (!module) return param_error(ProbeParam::module, module.error().message);
  if (*module) {
    if ((*module)->empty()) return param_error(ProbeParam::module, "empty parameter \"module\"");
    params.module = **module;
  }
  const auto debug_text = parsed->single("debug");
  if (!debug_text) return param_error(ProbeParam::debug, debug_text.error().message);
  if (*debug_text) {
    const auto debug = parse_debug(**debug_text);
    if (!debug) return param_error(ProbeParam::debug, debug.error().message);
    params.debug = *debug;
  }
  return params;
}

}  // namespace spe
