// The line format and the matching rules follow OpenSSH 9.2: hostfile.c (hostkeys_foreach_file,
// check_markers, match_maybe_hashed, host_hash) and match.c (match_pattern_list, match_pattern).
#include "config/known_hosts.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <expected>
#include <optional>

#include "config/allowlist.hpp"
#include "util/ascii.hpp"
#include "util/base64.hpp"

namespace spe {
namespace {

// The plain key types a known_hosts line may hold (sshkey.c's keytypes, certificates aside).
constexpr std::array<std::string_view, 8> kKeyTypes{
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
    "ssh-dss",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
};

constexpr std::string_view kHashMagic = "|1|";
constexpr std::size_t kSha1Bytes = 20;
constexpr std::size_t kSkipsKept = 20;
// Distinct names remembered; past it the memo starts again (each name then costs one scan more).
constexpr std::size_t kMemoLimit = 16384;

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view skip_blanks(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  return text;
}

// The next word of `rest` (after any blanks), which moves past it.
std::string_view next_word(std::string_view& rest) {
  rest = skip_blanks(rest);
  const auto end = std::min(rest.find_first_of(" \t"), rest.size());
  const std::string_view word = rest.substr(0, end);
  rest.remove_prefix(end);
  return word;
}

// The first field of an SSH wire-format key: its type name. Empty when the blob is too short.
std::string_view blob_type(std::string_view blob) {
  if (blob.size() < 4) return {};
  const auto* bytes = reinterpret_cast<const unsigned char*>(blob.data());
  const std::size_t length = (std::size_t{bytes[0]} << 24) | (std::size_t{bytes[1]} << 16) |
                             (std::size_t{bytes[2]} << 8) | bytes[3];
  if (length > blob.size() - 4) return {};
  return blob.substr(4, length);
}

// OpenSSH's match_pattern_list: a negated pattern that matches vetoes the line; otherwise any
// matching pattern selects it.
bool patterns_match(const std::vector<KnownHostsEntry::Pattern>& patterns, std::string_view name) {
  bool positive = false;
  for (const auto& pattern : patterns) {
    // allowlist.hpp's glob is OpenSSH's match_pattern (`*` any run, `?` one character).
    if (!glob_match(pattern.text, name)) continue;
    if (pattern.negated) return false;
    positive = true;
  }
  return positive;
}

bool is_literal(const KnownHostsEntry::Pattern& pattern) {
  return !pattern.negated && pattern.text.find_first_of("*?") == std::string::npos;
}

// HMAC-SHA1 (RFC 2104) of a name under each hashed line's salt, with the digest fetched once per
// scan. Spelt out over EVP_Digest: OpenSSL's EVP_MAC re-keying costs about three times as much,
// and a first lookup may hash the name once per hashed line of a large file.
class HmacSha1 {
 public:
  HmacSha1() : md_(EVP_MD_fetch(nullptr, "SHA1", nullptr)), ctx_(EVP_MD_CTX_new()) {}
  ~HmacSha1() {
    EVP_MD_CTX_free(ctx_);
    EVP_MD_free(md_);
  }
  HmacSha1(const HmacSha1&) = delete;
  HmacSha1& operator=(const HmacSha1&) = delete;

  // Whether HMAC-SHA1(key, data) is `expected`, for a key of at most one block (salts are 20
  // bytes). False when OpenSSL fails: the line then never matches, and the host is refused.
  bool equals(std::string_view key, std::string_view data, std::string_view expected) {
    std::array<unsigned char, kSha1Bytes> inner{};
    std::array<unsigned char, kSha1Bytes> outer{};
    return key.size() <= kBlockBytes && digest(key, 0x36, data, inner) &&
           digest(key, 0x5c, {reinterpret_cast<const char*>(inner.data()), inner.size()}, outer) &&
           expected.size() == outer.size() && std::memcmp(outer.data(), expected.data(), outer.size()) == 0;
  }

 private:
  static constexpr std::size_t kBlockBytes = 64;

  // SHA1((key XOR pad) || data)
  bool digest(std::string_view key, unsigned char pad, std::string_view data,
              std::array<unsigned char, kSha1Bytes>& out) {
    std::array<unsigned char, kBlockBytes> block{};
    block.fill(pad);
    for (std::size_t i = 0; i < key.size(); ++i) block[i] ^= static_cast<unsigned char>(key[i]);
    unsigned int length = 0;
    return md_ != nullptr && ctx_ != nullptr && EVP_DigestInit_ex2(ctx_, md_, nullptr) == 1 &&
           EVP_DigestUpdate(ctx_, block.data(), block.size()) == 1 &&
           EVP_DigestUpdate(ctx_, data.data(), data.size()) == 1 &&
           EVP_DigestFinal_ex(ctx_, out.data(), &length) == 1 && length == out.size();
  }

  EVP_MD* md_ = nullptr;
  EVP_MD_CTX* ctx_ = nullptr;
};

bool entry_matches(const KnownHostsEntry& entry, const std::string& name, HmacSha1& hmac) {
  if (!entry.salt.empty()) return hmac.equals(entry.salt, name, entry.hash);
  return patterns_match(entry.patterns, name);
}

using Parsed = std::expected<std::optional<KnownHostsEntry>, std::string>;

// check_markers: at most one of @cert-authority and @revoked, followed by a blank.
std::expected<KnownHostsMarker, std::string> read_marker(std::string_view& rest) {
  if (!rest.starts_with('@')) return KnownHostsMarker::none;
  const auto end = rest.find_first_of(" \t");
  const std::string_view word = rest.substr(0, end);
  if (end == std::string_view::npos) return std::unexpected(std::string("nothing after the marker"));
  rest = skip_blanks(rest.substr(end));
  if (rest.starts_with('@')) return std::unexpected(std::string("more than one marker"));
  if (word == "@cert-authority") return KnownHostsMarker::cert_authority;
  if (word == "@revoked") return KnownHostsMarker::revoked;
  return std::unexpected(std::string("unknown marker (@cert-authority or @revoked)"));
}

using Step = std::expected<void, std::string>;

// "|1|<base64 salt>|<base64 HMAC-SHA1>", both 20 bytes.
Step read_hashed_name(std::string_view field, KnownHostsEntry& entry) {
  if (!field.starts_with(kHashMagic)) return std::unexpected("hashed host name is not of the form |1|salt|hash");
  field.remove_prefix(kHashMagic.size());
  const auto delimiter = field.find('|');
  if (delimiter == std::string_view::npos) return std::unexpected("hashed host name has no hash after its salt");
  auto salt = base64_decode(field.substr(0, delimiter));
  auto hash = base64_decode(field.substr(delimiter + 1));
  if (!salt || !hash || salt->size() != kSha1Bytes || hash->size() != kSha1Bytes) {
    return std::unexpected("hashed host name is not a 20-byte salt and a 20-byte HMAC-SHA1 in base64");
  }
  entry.salt = std::move(*salt);
  entry.hash = std::move(*hash);
  return {};
}

// match_pattern_list's view of a host field: comma-separated, each maybe `!`-negated, lowercased.
void read_patterns(std::string_view field, KnownHostsEntry& entry) {
  while (true) {
    const auto comma = field.find(',');
    std::string_view item = field.substr(0, comma);
    const bool negated = item.starts_with('!');
    if (negated) item.remove_prefix(1);
    entry.patterns.push_back({ascii_lower(item), negated});
    if (comma == std::string_view::npos) break;
    field.remove_prefix(comma + 1);
  }
}

// "<type> <base64 key>": a plain key type, and a key that says it is of that type.
Step read_key(std::string_view& rest, KnownHostsEntry& entry) {
  const std::string_view type = next_word(rest);
  if (type.empty() || type.starts_with('#')) return std::unexpected("no key after the host names");
  if (std::ranges::find(kKeyTypes, type) == kKeyTypes.end()) {
    return std::unexpected(std::string("unsupported key type"));
  }
  const std::string_view encoded = next_word(rest);
  if (encoded.empty() || encoded.starts_with('#')) return std::unexpected("no key after the key type");
  auto blob = base64_decode(encoded);
  if (!blob) return std::unexpected("the key is not valid base64");
  if (blob_type(*blob) != type) {
    return std::unexpected(std::string("the key is not of the type the line names"));
  }
  entry.key_type = type;
  entry.key_blob = std::move(*blob);
  return {};
}

// One line: nullopt for blank lines and comments, the reason for a line OpenSSH would skip.
Parsed parse_line(std::string_view line, std::size_t number) {
  if (line.ends_with('\r')) line.remove_suffix(1);
  std::string_view rest = skip_blanks(line);
  if (rest.empty() || rest.starts_with('#')) return std::nullopt;
  KnownHostsEntry entry;
  entry.line = number;
  const auto marker = read_marker(rest);
  if (!marker) return std::unexpected(marker.error());
  entry.marker = *marker;
  const std::string_view hosts = next_word(rest);
  if (hosts.starts_with('|')) {
    if (auto hashed = read_hashed_name(hosts, entry); !hashed) return std::unexpected(std::move(hashed.error()));
  } else {
    read_patterns(hosts, entry);
  }
  if (auto key = read_key(rest, entry); !key) return std::unexpected(std::move(key.error()));
  return entry;
}

}  // namespace

std::string_view to_string(KnownHostsState state) {
  switch (state) {
    case KnownHostsState::not_checked: return "not_checked";
    case KnownHostsState::ok: return "ok";
    case KnownHostsState::changed: return "changed";
    case KnownHostsState::other: return "other";
    case KnownHostsState::unknown: return "unknown";
    case KnownHostsState::revoked: return "revoked";
  }
  return "unknown";
}

std::string known_hosts_name(std::string_view host, unsigned port) {
  const std::string name = ascii_lower(host);
  return port == 22 ? name : "[" + name + "]:" + std::to_string(port);
}

KnownHosts::KnownHosts(std::string file, std::string_view text) : file_(std::move(file)) {
  std::size_t number = 0;
  while (!text.empty()) {
    const auto end = std::min(text.find('\n'), text.size());
    add_line(++number, text.substr(0, end));
    text.remove_prefix(std::min(end + 1, text.size()));
  }
}

void KnownHosts::add_line(std::size_t number, std::string_view line) {
  auto parsed = parse_line(line, number);
  if (!parsed) {
    ++skipped_count_;
    if (skipped_.size() < kSkipsKept) skipped_.push_back({number, std::move(parsed.error())});
    return;
  }
  if (!*parsed) return;
  const auto index = static_cast<std::uint32_t>(entries_.size());
  KnownHostsEntry& entry = entries_.emplace_back(std::move(**parsed));
  if (!entry.salt.empty() || !std::ranges::all_of(entry.patterns, is_literal)) {
    scanned_.push_back(index);
    return;
  }
  for (const auto& pattern : entry.patterns) {
    Indexes& lines = by_name_[pattern.text];
    if (lines.empty() || lines.back() != index) lines.push_back(index);
  }
}

std::string KnownHosts::skipped_summary() const {
  if (skipped_.empty()) return "";
  std::string lines;
  if (skipped_count_ > 1) {
    for (const KnownHostsSkip& skip : skipped_)
      lines += (lines.empty() ? " (lines " : ", ") + std::to_string(skip.line);
    if (skipped_count_ > skipped_.size())
      lines += " and " + std::to_string(skipped_count_ - skipped_.size()) + " more";
    lines += ")";
  }
  const KnownHostsSkip& first = skipped_.front();
  return std::to_string(skipped_count_) + (skipped_count_ == 1 ? " line" : " lines") + " skipped" + lines +
         ", the first " + file_ + ":" + std::to_string(first.line) + ": " + first.reason;
}

KnownHosts::Indexes KnownHosts::find(const std::string& name) const {
  Indexes found;
  if (const auto it = by_name_.find(name); it != by_name_.end()) found = it->second;
  if (scanned_.empty()) return found;
  const auto literal_end = static_cast<std::ptrdiff_t>(found.size());
  HmacSha1 hmac;
  for (const std::uint32_t index : scanned_) {
    if (entry_matches(entries_[index], name, hmac)) found.push_back(index);
  }
  std::inplace_merge(found.begin(), found.begin() + literal_end, found.end());
  return found;
}

std::shared_ptr<const KnownHosts::Indexes> KnownHosts::matching(std::string_view name) const {
  std::string key = ascii_lower(name);
  // Without lines to scan, finding is one hash lookup: nothing worth remembering.
  if (scanned_.empty()) return std::make_shared<const Indexes>(find(key));
  {
    const std::lock_guard lock(memo_mutex_);
    if (const auto it = memo_.find(key); it != memo_.end()) return it->second;
  }
  // Found outside the lock: two probes of a new name may both scan, and agree.
  auto found = std::make_shared<const Indexes>(find(key));
  const std::lock_guard lock(memo_mutex_);
  if (memo_.size() >= kMemoLimit) memo_.clear();
  memo_.emplace(std::move(key), found);
  return found;
}

KnownHostsMatch KnownHosts::check(std::string_view name, std::string_view key_blob) const {
  const auto lines = matching(name);
  const std::string_view type = blob_type(key_blob);
  const KnownHostsEntry* revoked = nullptr;
  const KnownHostsEntry* same_key = nullptr;
  const KnownHostsEntry* same_type = nullptr;
  const KnownHostsEntry* other_type = nullptr;
  bool cert_authority = false;
  for (const std::uint32_t index : *lines) {
    const KnownHostsEntry& entry = entries_[index];
    const bool key_matches = entry.key_blob == key_blob;
    if (entry.marker == KnownHostsMarker::revoked) {
      if (key_matches && revoked == nullptr) revoked = &entry;
    } else if (entry.marker == KnownHostsMarker::cert_authority) {
      cert_authority = true;
    } else if (key_matches) {
      if (same_key == nullptr) same_key = &entry;
    } else if (entry.key_type == type) {
      if (same_type == nullptr) same_type = &entry;
    } else if (other_type == nullptr) {
      other_type = &entry;
    }
  }
  const auto decided = [](KnownHostsState state, const KnownHostsEntry& entry) {
    return KnownHostsMatch{state, entry.line, entry.key_type, false};
  };
  if (revoked != nullptr) return decided(KnownHostsState::revoked, *revoked);
  if (same_key != nullptr) return decided(KnownHostsState::ok, *same_key);
  if (same_type != nullptr) return decided(KnownHostsState::changed, *same_type);
  if (other_type != nullptr) return decided(KnownHostsState::other, *other_type);
  return KnownHostsMatch{KnownHostsState::unknown, 0, "", cert_authority};
}

std::vector<std::string> KnownHosts::key_types(std::string_view name) const {
  std::vector<std::string> types;
  const auto lines = matching(name);  // held: a temporary in the range would die before the loop
  for (const std::uint32_t index : *lines) {
    const KnownHostsEntry& entry = entries_[index];
    if (entry.marker == KnownHostsMarker::none && std::ranges::find(types, entry.key_type) == types.end()) {
      types.push_back(entry.key_type);
    }
  }
  return types;
}

std::vector<std::size_t> KnownHosts::lines_for(std::string_view name) const {
  std::vector<std::size_t> numbers;
  const auto lines = matching(name);
  for (const std::uint32_t index : *lines) numbers.push_back(entries_[index].line);
  return numbers;
}

}  // namespace spe
