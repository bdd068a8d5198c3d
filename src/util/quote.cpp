#include "util/quote.hpp"

namespace spe {

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

}  // namespace spe
