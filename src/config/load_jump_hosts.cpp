// [jump_hosts.NAME] tables and the chains they form. Chains are resolved depth first, each hop once: a
// hop's chain is its own jump hosts' chains, in order, then the hop. The recursion goes no deeper than
// kMaxJumpChain, however deep the config nests: a chain nested deeper is wrong already.
#include "config/load_jump_hosts.hpp"

#include <algorithm>
#include <utility>

#include "util/target.hpp"

namespace spe {
namespace {

// How many defined names an "unknown name" message lists.
constexpr std::size_t kNamesListed = 20;

const std::vector<std::string_view>& jump_host_keys() {
  static const std::vector<std::string_view> keys = [] {
    std::vector<std::string_view> all(kLoginKeys.begin(), kLoginKeys.end());
    all.insert(all.end(), kJumpHostOwnKeys.begin(), kJumpHostOwnKeys.end());
    return all;
  }();
  return keys;
}

// "a -> b -> c"
std::string arrow_joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : " -> ") + name;
  return out;
}

std::vector<std::string> names_of(const std::vector<JumpHostPtr>& chain) {
  std::vector<std::string> out;
  for (const JumpHostPtr& hop : chain) out.push_back(hop->name);
  return out;
}

// Resolves the chains of one load, each hop's once.
class ChainResolver {
 public:
  ChainResolver(const ExporterConfig& config, const HopReferences& references)
      : hops_(config.jump_hosts), references_(references) {}

  // Every hop's chain, used or not, so that a wrong hop is an error even before a module uses it.
  void check_every_hop() {
    for (const auto& [name, hop] : hops_) chain_to(name);
  }

  // The chain of a module whose jump_hosts are `names`; nullopt when it is wrong (reported).
  std::optional<std::vector<JumpHostPtr>> module_chain(const HopNames& names) {
    std::vector<JumpHostPtr> chain;
    if (!expand(names, "", chain)) return std::nullopt;
    return chain;
  }

 private:
  enum class State { resolving, resolved, wrong };

  // The hops a probe goes through to reach hop `name`, `name` last; null when its chain is wrong
  // (reported where the mistake is).
  const std::vector<JumpHostPtr>* chain_to(const std::string& name) {
    if (const auto it = state_.find(name); it != state_.end()) {
      return it->second == State::resolved ? &chains_.at(name) : nullptr;
    }
    state_[name] = State::resolving;
    resolving_.push_back(name);
    std::vector<JumpHostPtr> chain;
    bool ok = true;
    if (const auto names = references_.jump_hosts.find(name); names != references_.jump_hosts.end()) {
      ok = expand(names->second, name, chain);
    }
    resolving_.pop_back();
    if (!ok) {
      state_[name] = State::wrong;
      return nullptr;
    }
    chain.push_back(hops_.at(name));
    state_[name] = State::resolved;
    return &chains_.emplace(name, std::move(chain)).first->second;
  }

  // Appends the chains of `names` to `chain`, in order; `last` is the hop they lead to (empty for a
  // module). False when one of them is wrong, after reporting it. At most kMaxJumpChain + 1 names
  // are looked at: with that many the chain is too long already.
  bool expand(const HopNames& names, const std::string& last, std::vector<JumpHostPtr>& chain) {
    const std::size_t own = last.empty() ? 0 : 1;
    const std::size_t checked = std::min(names.names.size(), kMaxJumpChain + 1 - own);
    bool ok = true;
    for (std::size_t i = 0; i < checked; ++i) {
      const HopNames::Name& name = names.names[i];
      const auto error = [&](const std::string& what) {
        names.file->error(names.path + "[" + std::to_string(name.index) + "]", what, name.where);
        ok = false;
      };
      if (!hops_.contains(name.name)) {
        error("no [jump_hosts.NAME] named " + in_quotes(name.name) + " (" + defined() + ")");
        continue;
      }
      if (state_.contains(name.name) && state_.at(name.name) == State::resolving) {
        auto cycle = std::find(resolving_.begin(), resolving_.end(), name.name);
        std::vector<std::string> loop(cycle, resolving_.end());
        loop.push_back(name.name);
        error("jump hosts reached through each other: " + arrow_joined(loop));
        continue;
      }
      if (!state_.contains(name.name) && resolving_.size() >= kMaxJumpChain) {
        // Every hop being resolved is in the outermost one's chain, and so is this one: too many already.
        // Going no deeper bounds the recursion, however deep the config nests.
        std::vector<std::string> at_least{name.name};
        at_least.insert(at_least.end(), resolving_.rbegin(), resolving_.rend());
        error("a chain may hold " + std::to_string(kMaxJumpChain) + " jump hosts at most, this one at least " +
              std::to_string(at_least.size()) + ": " + arrow_joined(at_least));
        continue;
      }
      const std::vector<JumpHostPtr>* through = chain_to(name.name);
      if (through == nullptr) {
        ok = false;  // said where that hop's chain is wrong
        continue;
      }
      if (!ok) continue;  // the chain so far is incomplete: only the names are checked
      std::vector<std::string> would_be = names_of(chain);
      for (const JumpHostPtr& hop : *through) would_be.push_back(hop->name);
      if (own != 0) would_be.push_back(last);
      const auto twice = std::find_if(through->begin(), through->end(), [&](const JumpHostPtr& hop) {
        return std::find(chain.begin(), chain.end(), hop) != chain.end();
      });
      if (twice != through->end()) {
        error("jump host " + in_quotes((*twice)->name) + " would be in the chain twice: " + arrow_joined(would_be));
        continue;
      }
      if (would_be.size() > kMaxJumpChain) {
        error("a chain may hold " + std::to_string(kMaxJumpChain) + " jump hosts at most, this one " +
              std::to_string(would_be.size()) + ": " + arrow_joined(would_be));
        return false;
      }
      chain.insert(chain.end(), through->begin(), through->end());
    }
    return ok;
  }

  // "defined: a, b" or "none defined", for a name that is not.
  std::string defined() const {
    if (hops_.empty()) return "none defined";
    std::string out = "defined: ";
    std::size_t listed = 0;
    for (const auto& [name, hop] : hops_) {
      if (listed == kNamesListed) {
        out += ", and " + std::to_string(hops_.size() - listed) + " more";
        break;
      }
      out += (listed++ == 0 ? "" : ", ") + name;
    }
    return out;
  }

  const std::map<std::string, JumpHostPtr>& hops_;
  const HopReferences& references_;
  std::map<std::string, State> state_;
  std::map<std::string, std::vector<JumpHostPtr>> chains_;
  std::vector<std::string> resolving_;  // the hops whose chain is being resolved, outermost first
};

}  // namespace

std::vector<std::string> HopNames::written() const {
  std::vector<std::string> out;
  for (const Name& name : names) out.push_back(name.name);
  return out;
}

std::optional<HopNames> read_hop_names(TomlReader& table) {
  const auto values = table.string_array("jump_hosts");
  if (!values) return std::nullopt;
  // An element that is no string is reported already; the others would only add errors.
  if (values->size() != table.find("jump_hosts")->as_array()->size()) return std::nullopt;
  HopNames out{&table.file(), table.key_path("jump_hosts"), {}};
  for (std::size_t i = 0; i < values->size(); ++i) {
    const auto& [name, node] = (*values)[i];
    out.names.push_back({name, i, table.file().position(node->source())});
  }
  return out;
}

JumpHost load_jump_host(LoadShared& shared, TomlReader& table, const std::string& name,
                        std::optional<HopNames>& names) {
  JumpHost hop;
  hop.name = name;
  hop.where = table.position();
  table.check_keys(jump_host_keys());
  if (const auto host = table.required_string("host")) {
    const auto target = parse_target(*host);
    if (!target) {
      table.error("host", target.error().message);
    } else if (target->port) {
      table.error("host", in_quotes(*host) + " names a port: set it with port");
    } else {
      hop.host = target->host;
    }
  }
  LoginReader(shared, table).read(LoginFields{hop.port, hop.ip_protocol, hop.host_key, hop.algorithms, hop.auth});
  names = read_hop_names(table);
  if (names) hop.jump_hosts = names->written();
  return hop;
}

void resolve_jump_chains(ExporterConfig& config, const HopReferences& references) {
  ChainResolver resolver(config, references);
  resolver.check_every_hop();
  for (const auto& [name, names] : references.modules) {
    const auto module = config.modules.find(name);
    if (module == config.modules.end()) continue;
    if (auto chain = resolver.module_chain(names)) module->second.jump_chain = std::move(*chain);
  }
}

}  // namespace spe
