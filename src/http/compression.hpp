// Response compression: whether a client takes gzip (Accept-Encoding), and gzip itself (zlib).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace spe::http {

// True when an Accept-Encoding header allows gzip: "gzip" (or "x-gzip", or "*" when gzip is not
// named) with a q above 0. Names are case-insensitive; a malformed q counts as 0.
bool accepts_gzip(std::optional<std::string_view> accept_encoding);

// `data` as one gzip member (RFC 1952) at zlib's default level. Fails (internal) only when zlib does.
Result<std::string> gzip_compress(std::string_view data);

}  // namespace spe::http
