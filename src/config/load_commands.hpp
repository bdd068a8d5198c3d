// The command keys of one [modules.NAME] table -> Commands: the simple form (`command`,
// `command_expect`) or [[modules.NAME.commands]] with their [[...gauges]]. Part of config/load:
// every regex compiles here, so a bad one is a load error at its position, not a probe-time one.
#pragma once

#include <toml++/toml.h>

#include <array>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config/model.hpp"

namespace spe {

// The keys of a module table read here.
inline constexpr std::array<std::string_view, 3> kCommandModuleKeys{"command", "command_expect",
                                                                    "commands"};

// The cap on a command's max_output_bytes, and the memory one compiled regex may use (RE2's
// max_mem: a pattern that needs more is a config error, "pattern too large").
inline constexpr std::size_t kMaxOutputBytesLimit = 16 << 20;
inline constexpr std::int64_t kRegexMaxMemory = 8 << 20;

// Where errors go: the key path ("modules.disk.commands[0].gauges[1].regex"), what is wrong, and
// the TOML region to blame.
using ConfigErrorSink = std::function<void(const std::string& path, const std::string& what,
                                           const toml::source_region& at)>;

// Reads the command keys of `table`, the table of `module` (name and timeout already read) at key
// path `path` in `file`. The simple form becomes one Command named after the module. Every error
// goes to `error`; what is returned then is incomplete and must not be used.
std::vector<Command> load_commands(const toml::table& table, const std::string& path,
                                   const Module& module, const std::string& file,
                                   const ConfigErrorSink& error);

// Compiles `pattern` as config regexes are (RE2::Quiet, max_mem kRegexMaxMemory). The caller
// checks ok() and reports error().
std::shared_ptr<const RE2> compile_config_regex(const std::string& pattern);

}  // namespace spe
