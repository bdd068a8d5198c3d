// An OpenSSH known_hosts file, parsed once when the config is loaded and then looked up by every
// probe without reading the file again: host patterns (`*`, `?`, `!`), `[host]:port` names, hashed
// names, `@cert-authority` and `@revoked` markers, read the way OpenSSH's hostfile.c reads them.
// Part of the config: config/load.cpp builds it, the probe asks it from above.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace spe {

// What known_hosts says of a server's host key: libssh's ssh_known_hosts_e as far as it goes,
// plus revoked, and not_checked when the module has no known_hosts file.
enum class KnownHostsState { not_checked, ok, changed, other, unknown, revoked };

std::string_view to_string(KnownHostsState state);

enum class KnownHostsMarker { none, cert_authority, revoked };

// The answer to one lookup, with the line that decided it (for the probe's log).
struct KnownHostsMatch {
  KnownHostsState state = KnownHostsState::not_checked;
  std::size_t line = 0;  // 1-based line that decided; 0 for unknown and not_checked
  std::string key_type;  // the key type written on that line
  // Only @cert-authority lines name the host. libssh 0.10 cannot verify host certificates, so
  // they never vouch for a plain key; the verdict says so instead of a bare "unknown".
  bool cert_authority_only = false;
};

// A line OpenSSH would skip (and this parser skips too), and why.
struct KnownHostsSkip {
  std::size_t line = 0;
  // Generic ("unsupported key type"): never a word of the line, since the file may be another
  // one named by mistake (a password file, say) and the reason goes to the log.
  std::string reason;
};

// The name OpenSSH looks a host up by: lowercased, and "[host]:port" unless the port is 22.
std::string known_hosts_name(std::string_view host, unsigned port);

// One usable line of the file.
struct KnownHostsEntry {
  struct Pattern {
    std::string text;  // lowercased; may hold `*` and `?`
    bool negated = false;
  };
  std::size_t line = 0;
  KnownHostsMarker marker = KnownHostsMarker::none;
  std::vector<Pattern> patterns;  // the host field of a plain line
  std::string salt;               // the host field of a hashed line ("|1|salt|hash"), decoded;
  std::string hash;               // salt is empty for plain lines
  std::string key_type;           // "ssh-ed25519", as written (and as the key blob names itself)
  std::string key_blob;           // the decoded key: keys are compared by these bytes
};

// Immutable once built, apart from a bounded memo of the lines each looked-up name matches,
// which is valid for the object's whole life since the file is never read again. Thread-safe.
class KnownHosts {
 public:
  // Parses the content of `file` (`file` only names it in messages). Never fails: a malformed
  // line is skipped, as OpenSSH skips it, and listed in skipped().
  KnownHosts(std::string file, std::string_view text);
  KnownHosts(const KnownHosts&) = delete;
  KnownHosts& operator=(const KnownHosts&) = delete;

  const std::string& file() const { return file_; }
  std::size_t size() const { return entries_.size(); }  // usable lines
  std::size_t skipped_count() const { return skipped_count_; }
  const std::vector<KnownHostsSkip>& skipped() const { return skipped_; }  // the first few only
  // "2 lines skipped (lines 7, 9), the first /etc/ssh/known_hosts:7: unsupported key type" for
  // logs (the line numbers of the first few, then how many more); empty when none was. Holds no
  // content of the file.
  std::string skipped_summary() const;

  // What the file says of a server whose host key is `key_blob` (SSH wire encoding, which names
  // its type first) under `name` (known_hosts_name): revoked when a matching @revoked line holds
  // the key; else ok when a plain line holds it; else changed when a plain line holds another key
  // of its type; else other when plain lines hold keys of other types only; else unknown.
  KnownHostsMatch check(std::string_view name, std::string_view key_blob) const;

  // The key types of the plain lines naming `name`, in file order, each once.
  std::vector<std::string> key_types(std::string_view name) const;

  // The numbers of all lines naming `name`, markers included, in file order: the lines
  // `ssh-keygen -F name` prints.
  std::vector<std::size_t> lines_for(std::string_view name) const;

 private:
  using Indexes = std::vector<std::uint32_t>;  // into entries_, ascending

  void add_line(std::size_t number, std::string_view line);
  std::shared_ptr<const Indexes> matching(std::string_view name) const;
  Indexes find(const std::string& name) const;

  std::string file_;
  std::vector<KnownHostsEntry> entries_;
  // Plain lines whose patterns are all literal names, by name: found without a scan.
  std::unordered_map<std::string, Indexes> by_name_;
  // Hashed lines and lines with wildcards or negations: each is tried against the name.
  Indexes scanned_;
  std::vector<KnownHostsSkip> skipped_;
  std::size_t skipped_count_ = 0;
  mutable std::mutex memo_mutex_;  // guards memo_
  mutable std::unordered_map<std::string, std::shared_ptr<const Indexes>> memo_;
};

}  // namespace spe
