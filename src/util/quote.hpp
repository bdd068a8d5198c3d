// How messages name a value given by the user: in double quotes, as written ("cannot read \"/etc/x\"").
#pragma once

#include <string>
#include <string_view>

namespace spe {

// `text` between double quotes, unchanged: for file names, keys and values in error messages.
std::string in_quotes(std::string_view text);

}  // namespace spe
