#include "http/basic_auth.hpp"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>
#include <memory>

#include "util/ascii.hpp"
#include "util/base64.hpp"

namespace spe::http {
namespace {

// crypt_rn(password, hash) == hash, compared in constant time. crypt_data is 32 KiB: on the heap.
bool bcrypt_matches(const std::string& password, const std::string& hash) {
  auto data = std::make_unique<crypt_data>();
  const char* result = crypt_rn(password.c_str(), hash.c_str(), data.get(), sizeof(crypt_data));
  // On failure libxcrypt returns NULL or a string starting with '*': neither matches a hash.
  if (result == nullptr || std::strlen(result) != hash.size()) return false;
  return CRYPTO_memcmp(result, hash.data(), hash.size()) == 0;
}

}  // namespace

std::optional<BasicCredentials> parse_basic_authorization(std::string_view header) {
  const auto space = header.find(' ');
  if (space == std::string_view::npos || !ascii_iequals(header.substr(0, space), "Basic")) return std::nullopt;
  std::string_view encoded = header.substr(space + 1);
  while (!encoded.empty() && encoded.front() == ' ') encoded.remove_prefix(1);
  while (!encoded.empty() && encoded.back() == ' ') encoded.remove_suffix(1);
  const auto decoded = base64_decode_strict(encoded);
  if (!decoded || decoded->find('\0') != std::string::npos) return std::nullopt;
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

BasicAuth::BasicAuth(std::map<std::string, std::string> users) : users_(std::move(users)) {}

BasicAuth::Digest BasicAuth::digest(std::string_view authorization) {
  Digest out{};
  unsigned int size = 0;
  EVP_Digest(authorization.data(), authorization.size(), out.data(), &size, EVP_sha256(), nullptr);
  return out;
}

std::optional<bool> BasicAuth::known_verdict(std::string_view authorization) const {
  if (!parse_basic_authorization(authorization)) return false;
  const Digest key = digest(authorization);
  const std::lock_guard lock(mutex_);
  if (verified_.contains(key)) return true;
  if (refused_.contains(key)) return false;
  return std::nullopt;
}

bool BasicAuth::verify(std::string_view authorization) {
  if (users_.empty()) return false;
  const auto credentials = parse_basic_authorization(authorization);
  if (!credentials) return false;
  const auto user = users_.find(credentials->user);
  const bool known = user != users_.end();
  // An unknown user is checked against some real hash, so it takes as long as a known one.
  const std::string& hash = known ? user->second : users_.begin()->second;
  const bool verified = bcrypt_matches(credentials->password, hash) && known;
  remember(digest(authorization), verified);
  return verified;
}

void BasicAuth::remember(const Digest& key, bool verified) {
  const std::lock_guard lock(mutex_);
  auto& remembered = verified ? verified_ : refused_;
  if (remembered.size() >= kMaxRemembered) remembered.clear();
  remembered.insert(key);
}

}  // namespace spe::http
