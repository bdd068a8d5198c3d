#include "util/quote.hpp"

namespace spe {

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string joined(std::span<const std::string_view> names, std::string_view separator) {
  std::string out;
  for (const auto name : names) {
    if (!out.empty()) out += separator;
    out += name;
  }
  return out;
}

}  // namespace spe
