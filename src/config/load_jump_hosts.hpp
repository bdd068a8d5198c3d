// Jump hosts in the config: the [jump_hosts.NAME] tables, the `jump_hosts = ["a", "b"]` arrays of
// modules and hops, and the chains they form. Part of config/load: every table of every file is
// read first, then resolve_jump_chains() checks the names and fills each Module::jump_chain, since
// a module may name a hop another (included) file defines.
#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/load_login.hpp"
#include "config/model.hpp"
#include "config/toml_reader.hpp"

namespace spe {

// The most jump hosts one probe goes through, each hop's own jump hosts counted: a chain longer
// than this is a config error. Each hop costs descriptors, a login and round trips within the one
// module timeout; ssh -J chains in practice have one or two.
inline constexpr std::size_t kMaxJumpChain = 8;

// The keys of a [jump_hosts.NAME] table: the kLoginKeys, `host` and `jump_hosts`. No `timeout` (the
// module's covers the whole chain), no `allowed_targets` and no commands.
inline constexpr std::array<std::string_view, 2> kJumpHostOwnKeys{"host", "jump_hosts"};

// A `jump_hosts` array as written, and where: kept until every file is loaded, when the names are
// checked and errors go to the file that wrote them.
struct HopNames {
  struct Name {
    std::string name;
    std::size_t index = 0;  // in the array as written
    SourcePos where;
  };
  TomlFile* file = nullptr;
  std::string path;  // "modules.web.jump_hosts"
  std::vector<Name> names;

  std::vector<std::string> written() const;
};

// Every `jump_hosts` array of one load: of the modules and of the jump hosts, by their names.
struct HopReferences {
  std::map<std::string, HopNames> modules;
  std::map<std::string, HopNames> jump_hosts;
};

// The `jump_hosts` key of `table` (a module's or a jump host's): a non-empty array of names, in the
// order a probe goes through them. nullopt when the key is absent, or wrong (reported).
std::optional<HopNames> read_hop_names(TomlReader& table);

// One [jump_hosts.NAME] table -> JumpHost: unknown keys, `host` (required: a host name or an
// address, without a port) and what LoginReader reads. Its `jump_hosts` array goes to `names`.
// Every error goes to the table's file; what is returned then must not be used.
JumpHost load_jump_host(LoadShared& shared, TomlReader& table, const std::string& name,
                        std::optional<HopNames>& names);

// Once every file is loaded: every name in `references` must name a jump host of `config`, no hop
// may be reached through itself, and no chain may pass a hop twice or hold more than kMaxJumpChain
// hops. Fills each Module::jump_chain (a hop's own jump hosts before it). Each error goes to the
// file of the name it is about, at that name's position.
void resolve_jump_chains(ExporterConfig& config, const HopReferences& references);

}  // namespace spe
