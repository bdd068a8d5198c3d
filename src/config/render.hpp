// The config back as TOML, for /config and debug output: every key with its effective value
// (defaults included, paths absolute), and every secret written as "<secret>" (Secret's mask), so
// the text can be shown to anyone who may see the exporter's pages. Pure.
#pragma once

#include <string>
#include <string_view>

#include "config/model.hpp"

namespace spe {

// One module: its [modules.NAME] table and its [[modules.NAME.commands]] entries. Ends in '\n'.
// A password or passphrase given inline is `password = "<secret>"`; one read from a file is shown as
// the file's path (`password_file = "/etc/..."`), never its content.
std::string render_module(const Module& module);

// One jump host: its [jump_hosts.NAME] table, secrets as render_module writes them. Ends in '\n'.
std::string render_jump_host(const JumpHost& hop);

// The whole config: a comment naming the file it was loaded from, then every module in name order,
// then every jump host in name order, separated by blank lines.
std::string render_config(const ExporterConfig& config);

// A TOML basic string ("..."), escaped: backslash, quote and control characters.
std::string toml_quote(std::string_view text);

}  // namespace spe
