// The command keys of one [modules.NAME] table -> Commands: the simple form (`command`,
// `command_expect`) or [[modules.NAME.commands]] with their [[...gauges]]. Part of config/load:
// every regex compiles here, so a bad one is a load error at its position, not a probe-time one.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <vector>

#include "config/model.hpp"
#include "config/toml_reader.hpp"

namespace spe {

// The keys of a module table read here (load_session and load_commands).
inline constexpr std::array<std::string_view, 6> kCommandModuleKeys{"command", "command_expect", "commands",
                                                                    "session", "prompt",         "setup_commands"};

// The cap on a command's max_output_bytes.
inline constexpr std::size_t kMaxOutputBytesLimit = 16 << 20;

// Reads `session`, `prompt` and `setup_commands` of `table`, a module's table: the prompt is
// compiled here and is required with session = "shell", refused with "exec", as setup_commands is.
Session load_session(TomlReader& table);

// Reads the command keys of `table`, the reader of `module`'s table (name, timeout and session
// already read). The simple form becomes one Command named after the module. Every error goes to the
// table's file; what is returned then is incomplete and must not be used.
std::vector<Command> load_commands(TomlReader& table, const Module& module);

}  // namespace spe
