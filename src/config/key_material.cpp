// Loading a private key and its user certificate once, at config load, so a wrong passphrase or a
// certificate for another key is a config error rather than a failure on every probe.
#include "config/key_material.hpp"

#include <array>
#include <limits>
#include <string_view>
#include <utility>

#include "config/file_limits.hpp"
#include "util/base64.hpp"
#include "util/file.hpp"
#include "util/quote.hpp"

namespace spe {
namespace {

struct KeyDeleter {
  void operator()(ssh_key key) const noexcept { ssh_key_free(key); }
};
using KeyPtr = std::unique_ptr<ssh_key_struct, KeyDeleter>;

// Reads a whole small file; `what` names it in errors ("private key", "certificate"). Only this
// read touches the file: libssh is given its content, never its path, so a file replaced by a FIFO
// meanwhile cannot block the load.
Result<FileContent> read_small_file(const std::string& path, std::string_view what) {
  auto content = read_file_bounded(path, max_file_size(SourceKind::key));
  if (content) return std::move(*content);
  return fail(content.error().code(),
              "cannot read " + std::string(what) + " " + in_quotes(path) + ": " + content.error().describe());
}

// Whether the key file says it is encrypted, so a failed import can be blamed on the passphrase
// rather than on the file. OpenSSH format: the cipher name after "openssh-key-v1\0" is not "none".
bool looks_encrypted(std::string_view content) {
  if (content.find("ENCRYPTED") != std::string_view::npos) return true;  // PEM and PKCS#8
  constexpr std::string_view kBegin = "-----BEGIN OPENSSH PRIVATE KEY-----";
  constexpr std::string_view kEnd = "-----END OPENSSH PRIVATE KEY-----";
  const auto begin = content.find(kBegin);
  const auto end = content.find(kEnd);
  if (begin == std::string_view::npos || end == std::string_view::npos || end < begin) return false;
  std::string body;
  for (const char c : content.substr(begin + kBegin.size(), end - begin - kBegin.size())) {
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') body.push_back(c);
  }
  const auto blob = base64_decode(body);
  constexpr std::string_view kMagic{"openssh-key-v1\0", 15};
  constexpr std::string_view kNone{"\0\0\0\4none", 8};
  return blob && blob->starts_with(kMagic) && blob->substr(kMagic.size(), kNone.size()) != kNone;
}

bool looks_like_private_key(std::string_view content) {
  const auto begin = content.find("-----BEGIN ");
  return begin != std::string_view::npos && content.find("PRIVATE KEY-----", begin) != std::string_view::npos;
}

// Without a callback, an encrypted PEM key and no passphrase make OpenSSL prompt on the
// terminal and wait; this answers "no passphrase" instead.
int refuse_passphrase_prompt(const char*, char*, std::size_t, int, int, void*) noexcept { return SSH_ERROR; }

// The key and the permissions of its file.
Result<std::pair<KeyPtr, mode_t>> import_private_key(const std::string& key_path, const Secret* passphrase) {
  // Read it ourselves: libssh reports an unreadable file and a wrong passphrase alike.
  const auto file = read_small_file(key_path, "private key");
  if (!file) return std::unexpected(file.error());
  const std::string& content = file->text;
  if (!looks_like_private_key(content)) {
    return fail(ErrorCode::invalid_argument,
                "private key " + in_quotes(key_path) + " is not in OpenSSH or PEM format");
  }
  ssh_key raw = nullptr;
  const char* secret = passphrase ? passphrase->reveal().c_str() : nullptr;
  // What ssh_pki_import_privkey_file does with the content once it has read the file.
  if (ssh_pki_import_privkey_base64(content.c_str(), secret, refuse_passphrase_prompt, nullptr, &raw) != SSH_OK) {
    if (looks_encrypted(content)) {
      return fail(ErrorCode::invalid_argument,
                  "cannot decrypt private key " + in_quotes(key_path) + " (wrong or missing passphrase?)");
    }
    return fail(ErrorCode::invalid_argument,
                "cannot load private key " + in_quotes(key_path) + ": malformed or unsupported");
  }
  return std::pair(KeyPtr(raw), file->permissions);
}

// Reads the SSH wire encoding (RFC 4251 section 5) front to back.
class WireReader {
 public:
  explicit WireReader(std::string_view data) : data_(data) {}

  std::optional<std::uint64_t> uint(std::size_t bytes) {
    if (data_.size() < bytes) return std::nullopt;
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < bytes; ++i) {
      value = (value << 8) | static_cast<std::uint8_t>(data_[i]);
    }
    data_.remove_prefix(bytes);
    return value;
  }

  // A string or an mpint: uint32 length, then that many bytes.
  std::optional<std::string_view> string() {
    const auto length = uint(4);
    if (!length || data_.size() < *length) return std::nullopt;
    const std::string_view value = data_.substr(0, *length);
    data_.remove_prefix(*length);
    return value;
  }

  bool skip_strings(int count) {
    for (int i = 0; i < count; ++i) {
      if (!string()) return false;
    }
    return true;
  }

  std::string_view rest() const { return data_; }

 private:
  std::string_view data_;
};

// How many string/mpint fields carry the public key in each certificate type (PROTOCOL.certkeys).
std::optional<int> public_key_fields(std::string_view type) {
  static constexpr std::array<std::pair<std::string_view, int>, 8> kTypes{{
      {"ssh-ed25519-cert-v01@openssh.com", 1},             // pk
      {"ssh-rsa-cert-v01@openssh.com", 2},                 // e, n
      {"ecdsa-sha2-nistp256-cert-v01@openssh.com", 2},     // curve, Q
      {"ecdsa-sha2-nistp384-cert-v01@openssh.com", 2},     // curve, Q
      {"ecdsa-sha2-nistp521-cert-v01@openssh.com", 2},     // curve, Q
      {"sk-ssh-ed25519-cert-v01@openssh.com", 2},          // pk, application
      {"sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", 3},  // curve, Q, application
      {"ssh-dss-cert-v01@openssh.com", 4},                 // p, q, g, y
  }};
  for (const auto& [name, fields] : kTypes) {
    if (name == type) return fields;
  }
  return std::nullopt;
}

struct CertificateFields {
  std::string_view public_key;  // the key's fields as in its plain public key blob, after the type
  std::uint64_t valid_before = 0;
};

// The fields we use from an OpenSSH certificate blob (PROTOCOL.certkeys).
Result<CertificateFields> parse_certificate(std::string_view blob) {
  const auto truncated = [] { return fail(ErrorCode::invalid_argument, "certificate is truncated"); };
  WireReader reader(blob);
  const auto type = reader.string();
  if (!type) return truncated();
  const auto fields = public_key_fields(*type);
  if (!fields) {
    return fail(ErrorCode::invalid_argument, "unsupported certificate type " + in_quotes(*type));
  }
  if (!reader.skip_strings(1)) return truncated();  // nonce
  const std::string_view key_start = reader.rest();
  if (!reader.skip_strings(*fields)) return truncated();
  const std::string_view public_key = key_start.substr(0, key_start.size() - reader.rest().size());
  // serial, type, key id, principals, valid after, valid before.
  if (!reader.uint(8) || !reader.uint(4) || !reader.skip_strings(2) || !reader.uint(8)) {
    return truncated();
  }
  const auto valid_before = reader.uint(8);
  if (!valid_before) return truncated();
  return CertificateFields{public_key, *valid_before};
}

// The public key blob of `key` without its leading type string: what a certificate for it embeds.
std::optional<std::string> public_key_fields_of(ssh_key key) {
  char* base64 = nullptr;
  if (ssh_pki_export_pubkey_base64(key, &base64) != SSH_OK || base64 == nullptr) return std::nullopt;
  auto blob = base64_decode(base64);
  ssh_string_free_char(base64);
  if (!blob) return std::nullopt;
  WireReader reader(*blob);
  if (!reader.string()) return std::nullopt;
  return std::string(reader.rest());
}

std::optional<std::int64_t> valid_before_of(std::uint64_t valid_before) {
  if (valid_before == std::numeric_limits<std::uint64_t>::max()) return std::nullopt;  // forever
  // Past the range of time_t, but not "forever" by the letter: the latest time we can express.
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(std::min(valid_before, kMax));
}

// A "<type> <base64> [comment]" certificate file, split.
struct CertificateText {
  std::string type;
  std::string base64;
  std::string blob;  // decoded
};

Result<CertificateText> certificate_text(const std::string& content, const std::string& cert_path) {
  const auto not_a_certificate = [&] {
    return fail(ErrorCode::invalid_argument, "certificate " + in_quotes(cert_path) + " is not an OpenSSH certificate");
  };
  constexpr std::string_view kSpace = " \t\r\n";
  const std::string_view text = content;
  const auto type_begin = text.find_first_not_of(kSpace);
  if (type_begin == std::string_view::npos) return not_a_certificate();
  const auto type_end = text.find_first_of(kSpace, type_begin);
  if (type_end == std::string_view::npos) return not_a_certificate();
  const auto data_begin = text.find_first_not_of(kSpace, type_end);
  if (data_begin == std::string_view::npos) return not_a_certificate();
  const auto data_end = std::min(text.find_first_of(kSpace, data_begin), text.size());
  const std::string_view base64 = text.substr(data_begin, data_end - data_begin);
  auto blob = base64_decode(base64);
  if (!blob) return not_a_certificate();
  return CertificateText{std::string(text.substr(type_begin, type_end - type_begin)), std::string(base64),
                         std::move(*blob)};
}

Result<std::optional<std::int64_t>> attach_certificate(ssh_key key, const std::string& key_path,
                                                       const std::string& cert_path) {
  const auto file = read_small_file(cert_path, "certificate");
  if (!file) return std::unexpected(file.error());
  const auto text = certificate_text(file->text, cert_path);
  if (!text) return std::unexpected(text.error());
  const auto fields = parse_certificate(text->blob);
  if (!fields) {
    return fail(ErrorCode::invalid_argument, "certificate " + in_quotes(cert_path) + ": " + fields.error().message);
  }
  const auto not_for_key = [&] {
    return fail(ErrorCode::invalid_argument,
                "certificate " + in_quotes(cert_path) + " is not for private key " + in_quotes(key_path));
  };
  // Compared here because libssh 0.10's ssh_pki_copy_cert_to_privkey accepts an ed25519
  // certificate for any ed25519 key.
  if (public_key_fields_of(key) != fields->public_key) return not_for_key();
  ssh_key raw_cert = nullptr;
  // What ssh_pki_import_cert_file does with the content once it has read the file.
  if (ssh_pki_import_cert_base64(text->base64.c_str(), ssh_key_type_from_name(text->type.c_str()), &raw_cert) !=
      SSH_OK) {
    return fail(ErrorCode::invalid_argument, "certificate " + in_quotes(cert_path) + " is not an OpenSSH certificate");
  }
  const KeyPtr cert(raw_cert);
  if (ssh_pki_copy_cert_to_privkey(cert.get(), key) != SSH_OK) return not_for_key();
  return valid_before_of(fields->valid_before);
}

}  // namespace

Result<std::optional<std::int64_t>> certificate_valid_before(const std::string& blob) {
  const auto fields = parse_certificate(blob);
  if (!fields) return std::unexpected(fields.error());
  return valid_before_of(fields->valid_before);
}

Result<KeyMaterial> load_key_material(const std::string& key_path, const Secret* passphrase,
                                      const std::string& certificate_path) {
  auto imported = import_private_key(key_path, passphrase);
  if (!imported) return std::unexpected(imported.error());
  auto& [key, permissions] = *imported;
  KeyMaterial material;
  material.key_path = key_path;
  material.key_file_permissions = permissions;
  if (!certificate_path.empty()) {
    const auto valid_before = attach_certificate(key.get(), key_path, certificate_path);
    if (!valid_before) return std::unexpected(valid_before.error());
    material.certificate_path = certificate_path;
    material.certificate_valid_before = *valid_before;
  }
  material.key = std::shared_ptr<ssh_key_struct>(key.release(), KeyDeleter{});
  return material;
}

}  // namespace spe
