// TOML text -> toml::table for both config files (the exporter's and the web config), behind a
// nesting limit: toml++ recurses once per level of dotted keys, table headers, inline tables and
// arrays, both while parsing and when freeing the tree, so deep nesting would overflow the stack.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "util/result.hpp"

namespace spe {

// Far beyond any real config (the exporter's deepest key path is 6), far below what overflows.
constexpr std::size_t kMaxTomlDepth = 64;

// Where `text` first nests more than `max_depth` levels deep, or nullopt: a linear scan that needs no
// parse. The depth of a value is the length of its path: the table header's keys ([a.b] is 2,
// [[a.b]] 3, for the array), its dotted key's parts, and one per inline table and array around it.
// Dots and brackets in strings and comments do not count. Text that is not valid TOML gets some
// answer; the parser reports what is wrong with it.
std::optional<SourcePos> find_deep_nesting(std::string_view text, const std::string& file,
                                           std::size_t max_depth = kMaxTomlDepth);

// Parses `text` as the content of `file` (named in positions). The error says what and where:
// "TOML syntax error: <toml++'s description>", or that the nesting is too deep.
Result<toml::table> parse_toml_text(std::string_view text, const std::string& file);

}  // namespace spe
