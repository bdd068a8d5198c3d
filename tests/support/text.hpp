// Small string helpers the tests share.
#pragma once

#include <string>
#include <string_view>

namespace spe::test {

// True when part occurs in text.
bool contains(std::string_view text, std::string_view part);

// text with every occurrence of from (non-empty) replaced by to, left to right; the replacement is not scanned
// again.
std::string replace_all(std::string text, std::string_view from, std::string_view to);

}  // namespace spe::test
