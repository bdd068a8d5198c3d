// UTF-8 validation for text that came from the network or a command (label values, log fields).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace spe {

// The length of the well-formed UTF-8 sequence at the start of `text` (non-empty), or 0; on 0,
// `bad` is the length of the maximal ill-formed prefix (at least 1): the unit Unicode's "best
// practice for U+FFFD substitution" replaces. Rejects overlongs, surrogates and > U+10FFFF.
std::size_t valid_utf8_prefix(std::string_view text, std::size_t& bad);

// Whether `text` is well-formed UTF-8 throughout (valid_utf8_prefix accepts every part).
bool is_valid_utf8(std::string_view text);

// `text` with every ill-formed part replaced by U+FFFD.
std::string sanitize_utf8(std::string_view text);

}  // namespace spe
