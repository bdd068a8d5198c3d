// The config as plain data: what a loaded, validated exporter.toml says. Immutable once loaded;
// probes hold it through shared_ptr<const ExporterConfig>.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <re2/re2.h>

#include "config/key_material.hpp"
#include "util/result.hpp"
#include "util/secret.hpp"

namespace spe {

class TargetAllowlist;  // config/allowlist.hpp: compiled into the module at load
class KnownHosts;       // config/known_hosts.hpp: parsed at load

enum class IpProtocol { ip4, ip6 };

constexpr std::string_view to_string(IpProtocol p) { return p == IpProtocol::ip4 ? "ip4" : "ip6"; }

struct HostKeyPolicy {
  std::string known_hosts;                // absolute path; empty when not configured
  std::vector<std::string> fingerprints;  // "SHA256:..." as printed by ssh-keygen -lf
  // Per fingerprint, the key type written before it ("ssh-rsa SHA256:..."), or "": a named type
  // is offered first, as known_hosts' types are.
  std::vector<std::string> fingerprint_types;
  std::vector<std::string> algorithms;  // host_key_algorithms as resolved at load; empty = libssh defaults
  bool insecure_ignore = false;
  // The known_hosts file as it was at load, parsed; shared by the modules naming the same file.
  // Probes never read the file: a change to it takes a reload. Null when known_hosts is unset.
  std::shared_ptr<const KnownHosts> known_hosts_entries;
};

// kex_algorithms, ciphers, macs and pubkey_accepted_algorithms as resolved at load
// (config/algorithms.hpp), in the order offered; empty = libssh's default. host_key_algorithms is
// HostKeyPolicy's.
struct AlgorithmChoice {
  std::vector<std::string> kex;
  std::vector<std::string> ciphers;
  std::vector<std::string> macs;
  std::vector<std::string> pubkeys;
};

struct Auth {
  std::string user;                // never empty after load (defaults to the process user)
  std::optional<KeyMaterial> key;  // private_key (+ certificate), decrypted at load
  std::optional<Secret> password;  // password or the content of password_file
  // For /config and debug output only: which files the secrets came from.
  std::string private_key_path;
  std::string certificate_path;
  std::string password_file;
  std::string passphrase_file;
  bool has_passphrase = false;
};

enum class OutputFormat { text, prometheus };
enum class MatchMode { each, first };

// One gauge derived from a command's output by an RE2 regex with named groups.
struct GaugeRule {
  std::string name;
  std::string help;
  std::shared_ptr<const RE2> regex;           // compiled at load, shared read-only
  std::string value_group = "value";          // the named group holding the value
  std::map<std::string, std::string> labels;  // constant labels
  std::map<std::string, double> map;          // words -> numbers ("active" -> 1)
  double scale = 1;
  MatchMode match = MatchMode::each;
  SourcePos where;
};

struct Command {
  std::string name;                                  // label value of the per-command series; unique in the module
  std::string command;                               // the command line, run by the login shell of the user
  std::optional<std::chrono::milliseconds> timeout;  // inside the probe deadline
  int exit_status = 0;                               // expected; unused in a shell session (there is none)
  std::shared_ptr<const RE2> expect;                 // must match stdout
  std::shared_ptr<const RE2> expect_not;             // must not match stdout
  std::size_t max_output_bytes = 64 * 1024;
  OutputFormat format = OutputFormat::text;
  std::string prefix;  // for format = prometheus: prepended to every metric name
  std::vector<GaugeRule> gauges;
  SourcePos where;
};

// How a module's commands reach the server: each on an exec channel of its own (the default), or
// typed one after another into one interactive shell with a pty, for devices that refuse exec.
enum class SessionMode { exec, shell };

constexpr std::string_view to_string(SessionMode m) { return m == SessionMode::exec ? "exec" : "shell"; }

struct Session {
  SessionMode mode = SessionMode::exec;
  // shell only: the device's prompt as written, and the same pattern anchored at the end of the
  // text (what the probe matches against the last line that arrived). Both compiled at load.
  std::shared_ptr<const RE2> prompt;
  std::shared_ptr<const RE2> prompt_at_end;
  std::vector<std::string> setup_commands;  // shell only: typed first, their output discarded
};

// [modules.NAME.sftp]: what the probe checks over SFTP after the login (and after the commands, if
// any). A module with only this table never asks for exec: it works for an account with
// ForceCommand internal-sftp.
struct SftpCheck {
  std::string path = ".";               // the directory checked, as written (relative to the login directory)
  bool list = false;                    // read the directory, counting its entries
  bool write_test = false;              // create, write, read back, compare and remove a temporary file in `path`
  std::size_t write_test_bytes = 4096;  // what the write test writes
  std::optional<std::uint64_t> min_free_bytes;  // fail below (statvfs@openssh.com, when the server has it)
  SourcePos where;                              // position of [modules.NAME.sftp]
};

// One hop of a jump-host chain, [jump_hosts.NAME]: where it is and how to log in to it, as a module
// says for its targets. Shared read-only by the modules whose chain holds it.
struct JumpHost {
  std::string name;
  // As written: a name or an address literal. The exporter resolves it when this is the first hop
  // of a chain; otherwise the hop before it does (as ssh -J does).
  std::string host;
  std::uint16_t port = 22;
  IpProtocol ip_protocol = IpProtocol::ip6;  // preferred family when the exporter resolves `host`
  HostKeyPolicy host_key;
  AlgorithmChoice algorithms;
  Auth auth;
  std::vector<std::string> jump_hosts;  // as written: the hops this one is reached through
  SourcePos where;                      // position of [jump_hosts.NAME]
};
using JumpHostPtr = std::shared_ptr<const JumpHost>;

struct Module {
  std::string name;
  std::uint16_t port = 22;
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  IpProtocol ip_protocol = IpProtocol::ip6;  // preferred family; the other is the fallback
  HostKeyPolicy host_key;
  AlgorithmChoice algorithms;
  Auth auth;
  Session session;
  // probe_ssh_server_info{banner} keeps the comment after the software version ("SSH-2.0-OpenSSH_9.2p1
  // Debian-2+deb12u3"); by default it ends at the version, as some servers put a random token there.
  bool banner_comment = false;
  std::vector<Command> commands;  // run in order, each on its own channel (exec) or in one shell
  std::optional<SftpCheck> sftp;  // [modules.NAME.sftp]: checked after the commands
  // allowed_targets as written, and compiled at load (config/allowlist.hpp); both empty/null when
  // the key is absent: every target is allowed.
  std::vector<std::string> allowed_targets;
  std::shared_ptr<const TargetAllowlist> allowlist;
  // jump_hosts as written, and the whole chain resolved at load: every hop in the order a probe
  // goes through them (a hop's own jump_hosts before it). Empty: the target is reached directly.
  std::vector<std::string> jump_hosts;
  std::vector<JumpHostPtr> jump_chain;
  SourcePos where;  // position of [modules.NAME]
  // The module as config/render.hpp's render_module writes it (secrets masked), rendered once at
  // load: debug output and the history share it instead of rendering it per probe.
  std::shared_ptr<const std::string> toml;
};

// Something in a config that loads but deserves the operator's attention (a secret file others may
// read, say): logged at each load, never refused.
struct ConfigWarning {
  std::string message;  // "modules.web.password_file: permissions 0644 for ..."
  SourcePos where;
  std::string to_string() const { return message + " at " + where.to_string(); }
};

struct ExporterConfig {
  std::string file;  // the path it was loaded from
  std::map<std::string, Module> modules;
  std::map<std::string, JumpHostPtr> jump_hosts;  // [jump_hosts.NAME] of every file, by name
  // `include` globs resolved against the main file's directory: what auto-reload expands again to
  // notice module files added, removed or changed.
  std::vector<std::string> include_patterns;
  std::vector<ConfigWarning> warnings;  // in file order, the main file's first

  const Module* find_module(const std::string& name) const {
    const auto it = modules.find(name);
    return it == modules.end() ? nullptr : &it->second;
  }
};

using ConfigSnapshot = std::shared_ptr<const ExporterConfig>;

}  // namespace spe
