// /probe query string -> ProbeParams: split on '&', decode, then check target, module and debug.
#include "probe/params.hpp"

#include <optional>

namespace spe {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct RawParams {
  std::optional<std::string> target;
  std::optional<std::string> module;
  std::optional<std::string> debug;
};

// The slot a known parameter goes to; nullptr for parameters we ignore.
std::optional<std::string>* slot_for(RawParams& raw, std::string_view key) {
  if (key == "target") return &raw.target;
  if (key == "module") return &raw.module;
  if (key == "debug") return &raw.debug;
  return nullptr;
}

Result<RawParams> split_query(std::string_view query) {
  RawParams raw;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;

    const auto eq = pair.find('=');
    const auto key = url_decode(pair.substr(0, eq));
    if (!key) return fail(ErrorCode::invalid_argument, "invalid query string: " + key.error().message);
    auto* slot = slot_for(raw, *key);
    if (slot == nullptr) continue;
    if (slot->has_value()) return fail(ErrorCode::invalid_argument, "repeated parameter \"" + *key + "\"");
    auto value = url_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!value) {
      return fail(ErrorCode::invalid_argument,
                  "invalid parameter \"" + *key + "\": " + value.error().message);
    }
    *slot = std::move(*value);
  }
  return raw;
}

Result<bool> parse_debug(std::string_view text) {
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  return fail(ErrorCode::invalid_argument,
              "invalid debug \"" + std::string(text) + "\": expected true or false");
}

}  // namespace

Result<std::string> url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c != '%') {
      out += c;
    } else {
      const bool complete = i + 2 < text.size();
      const int high = complete ? hex_value(text[i + 1]) : -1;
      const int low = complete ? hex_value(text[i + 2]) : -1;
      if (high < 0 || low < 0) {
        return fail(ErrorCode::invalid_argument,
                    "invalid percent escape \"" + std::string(text.substr(i, 3)) + "\"");
      }
      out += static_cast<char>(high * 16 + low);
      i += 2;
    }
  }
  return out;
}

Result<ProbeParams> parse_probe_params(std::string_view query) {
  const auto raw = split_query(query);
  if (!raw) return std::unexpected(raw.error());
  if (!raw->target || raw->target->empty()) {
    return fail(ErrorCode::invalid_argument, "missing parameter \"target\"");
  }

  ProbeParams params;
  params.target_text = *raw->target;
  auto target = parse_target(params.target_text);
  if (!target) {
    return fail(ErrorCode::invalid_argument,
                "invalid target \"" + params.target_text + "\": " + target.error().message);
  }
  params.target = std::move(*target);

  if (raw->module) {
    if (raw->module->empty()) return fail(ErrorCode::invalid_argument, "empty parameter \"module\"");
    params.module = *raw->module;
  }
  if (raw->debug) {
    const auto debug = parse_debug(*raw->debug);
    if (!debug) return std::unexpected(debug.error());
    params.debug = *debug;
  }
  return params;
}

}  // namespace spe
