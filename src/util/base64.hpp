// Base64 decoding (RFC 4648 section 4, the alphabet OpenSSH writes in key files and known_hosts).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace spe {

// The bytes `text` encodes; '=' padding optional; nullopt for any character outside the alphabet
// (whitespace included) or a length no encoder produces.
std::optional<std::string> base64_decode(std::string_view text);

// The same for the strict form HTTP Basic credentials use: non-empty, '=' padding required (a length
// that is a multiple of 4), and the unused bits of the last character zero (one canonical text per
// byte string).
std::optional<std::string> base64_decode_strict(std::string_view text);

}  // namespace spe
