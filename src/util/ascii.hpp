// ASCII text helpers for protocol tokens (HTTP header values, host names, key types): case folding and the
// blanks (space, tab) HTTP allows around a value. Bytes outside ASCII are left as they are.
#pragma once

#include <string>
#include <string_view>

namespace spe {

// `text` with A-Z turned to a-z.
std::string ascii_lower(std::string_view text);

// Whether `a` and `b` are equal ignoring ASCII case.
bool ascii_iequals(std::string_view a, std::string_view b);

// `text` without the spaces and tabs at either end.
std::string_view trim_blanks(std::string_view text);

}  // namespace spe
