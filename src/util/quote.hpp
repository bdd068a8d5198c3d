// How messages name a value given by the user: in double quotes, as written ("cannot read \"/etc/x\"").
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace spe {

// `text` between double quotes, unchanged: for file names, keys and values in error messages.
std::string in_quotes(std::string_view text);

// The names one after another with `separator` between them: for lists of what is allowed in
// error messages ("supported: a, b, c").
std::string joined(std::span<const std::string_view> names, std::string_view separator);

}  // namespace spe
