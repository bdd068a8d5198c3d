// [[modules.NAME.forwards]] -> Forwards: the checks a probe makes through its target (a direct-tcpip channel to
// host:port, optional bytes to send, an RE2 the first bytes read must match). Part of config/load: the regex
// compiles here, so a bad one is a load error at its position.
#pragma once

#include <cstddef>
#include <vector>

#include "config/model.hpp"
#include "config/toml_reader.hpp"

namespace spe {

// The most bytes one forward may send (written at once, within the channel's first window).
inline constexpr std::size_t kMaxForwardSendBytes = 64 * 1024;
// The most bytes of host one forward may name (a DNS name's limit).
inline constexpr std::size_t kMaxForwardHostBytes = 255;

// Reads the `forwards` key of `table`, the reader of `module`'s table (its timeout already read). Every error
// goes to the table's file; what is returned then is incomplete and must not be used.
std::vector<Forward> load_forwards(TomlReader& table, const Module& module);

}  // namespace spe
