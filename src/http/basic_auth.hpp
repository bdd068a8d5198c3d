// HTTP basic authentication against bcrypt hashes from the web config (RFC 7617 credentials,
// libxcrypt's crypt_rn for the hash). Verifying a password costs what the hash's cost factor says
// (about 50 ms at cost 10), so verdicts are remembered: a scraper sending the same header every
// 15 s pays for bcrypt once, and so does a client repeating the same wrong password. Thread-safe:
// every member may be called from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace spe::http {

// The realm named in WWW-Authenticate.
inline constexpr std::string_view kBasicAuthRealm = "ssh_probe_exporter";

struct BasicCredentials {
  std::string user;
  std::string password;
};

// "Basic dXNlcjpwYXNz" -> {user, pass}: the scheme case-insensitive, standard base64 with padding,
// split at the first ':'. nullopt for anything else (another scheme, bad base64, no colon, NUL).
std::optional<BasicCredentials> parse_basic_authorization(std::string_view header);

class BasicAuth {
 public:
  // `users`: user name -> bcrypt hash, as validated by load_web_config_text. Must not be empty.
  explicit BasicAuth(std::map<std::string, std::string> users);

  // The verdict on this exact Authorization header value when it needs no bcrypt work: true if it
  // was verified before, false if it was refused before or holds no Basic credentials at all;
  // nullopt when only verify() can tell.
  std::optional<bool> known_verdict(std::string_view authorization) const;

  // Parses the header and checks the password against the user's hash with crypt_rn, comparing
  // the result in constant time. An unknown user costs the same bcrypt work, so response times do
  // not tell which user names exist. Slow by design: call it off the io threads.
  bool verify(std::string_view authorization);

 private:
  using Digest = std::array<unsigned char, 32>;
  // Per verdict; a full set is emptied. The users cannot change while this object lives (the web
  // config is read once), so a remembered verdict never goes stale and needs no expiry.
  static constexpr std::size_t kMaxRemembered = 1024;

  static Digest digest(std::string_view authorization);
  void remember(const Digest& key, bool verified);

  const std::map<std::string, std::string> users_;
  mutable std::mutex mutex_;
  std::set<Digest> verified_;  // SHA-256 of Authorization values that verified
  std::set<Digest> refused_;   // and of those refused
};

}  // namespace spe::http
