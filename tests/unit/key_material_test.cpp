#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "config/key_material.hpp"

namespace {

const std::string kKeys = std::string(SPE_TEST_DATA) + "/keys/";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// The decoded second field of a "<type> <base64> <comment>" file; a test-local decoder, so the
// production one is checked against an independent reading.
std::string blob_of(const std::string& path) {
  std::istringstream fields(read_text(path));
  std::string type;
  std::string base64;
  fields >> type >> base64;
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (const char c : base64) {
    if (c == '=') break;
    bits = (bits << 6) | static_cast<unsigned>(kAlphabet.find(c));
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xFF));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("a key without passphrase loads without a certificate", "[unit][keys]") {
  const auto material = spe::load_key_material(kKeys + "id_ed25519", nullptr, "");
  REQUIRE(material.has_value());
  REQUIRE(material->key != nullptr);
  CHECK(ssh_key_type(material->key.get()) == SSH_KEYTYPE_ED25519);
  CHECK(ssh_key_is_private(material->key.get()) == 1);
  CHECK(material->key_path == kKeys + "id_ed25519");
  CHECK(material->certificate_path.empty());
  CHECK_FALSE(material->certificate_valid_before.has_value());
}

TEST_CASE("an encrypted key loads with the right passphrase", "[unit][keys]") {
  const spe::Secret passphrase("test-passphrase");
  const auto material = spe::load_key_material(kKeys + "id_ed25519_encrypted", &passphrase, "");
  REQUIRE(material.has_value());
  CHECK(ssh_key_is_private(material->key.get()) == 1);
}

TEST_CASE("an encrypted key with a wrong or missing passphrase is a decrypt error", "[unit][keys]") {
  const spe::Secret wrong("not-the-passphrase");
  const spe::Secret* passphrase = GENERATE_REF(as<const spe::Secret*>{}, &wrong, nullptr);
  const auto material = spe::load_key_material(kKeys + "id_ed25519_encrypted", passphrase, "");
  REQUIRE_FALSE(material.has_value());
  CHECK(material.error().code == spe::ErrorCode::invalid_argument);
  CHECK(material.error().message ==
        "cannot decrypt private key \"" + kKeys + "id_ed25519_encrypted\" (wrong or missing passphrase?)");
}

TEST_CASE("a missing key file is a read error, distinct from a decrypt error", "[unit][keys]") {
  const auto material = spe::load_key_material(kKeys + "no_such_key", nullptr, "");
  REQUIRE_FALSE(material.has_value());
  CHECK(material.error().code == spe::ErrorCode::not_found);
  CHECK(material.error().message == "cannot read private key \"" + kKeys + "no_such_key\": No such file or directory");
}

TEST_CASE("a file that is not a private key is named as such", "[unit][keys]") {
  const auto material = spe::load_key_material(kKeys + "id_ed25519.pub", nullptr, "");
  REQUIRE_FALSE(material.has_value());
  CHECK(material.error().message == "private key \"" + kKeys + "id_ed25519.pub\" is not in OpenSSH or PEM format");
}

TEST_CASE("a certificate attaches to its key and gives its exact expiry", "[unit][keys]") {
  const auto material = spe::load_key_material(kKeys + "id_ed25519", nullptr, kKeys + "id_ed25519-cert.pub");
  REQUIRE(material.has_value());
  CHECK(material->key != nullptr);
  CHECK(material->certificate_path == kKeys + "id_ed25519-cert.pub");
  // ssh-keygen -V 20200101000000:20991231000000 in UTC: 2099-12-31T00:00:00Z.
  CHECK(material->certificate_valid_before == std::optional<std::int64_t>(4102358400));
}

TEST_CASE("a certificate valid forever has no expiry", "[unit][keys]") {
  const spe::Secret passphrase("test-passphrase");
  const auto material = spe::load_key_material(kKeys + "id_ed25519_encrypted", &passphrase,
                                               kKeys + "id_ed25519_encrypted-cert.pub");
  REQUIRE(material.has_value());
  CHECK(material->certificate_path == kKeys + "id_ed25519_encrypted-cert.pub");
  CHECK_FALSE(material->certificate_valid_before.has_value());
}

TEST_CASE("a certificate for another key is refused", "[unit][keys]") {
  const auto material = spe::load_key_material(kKeys + "id_ed25519", nullptr, kKeys + "id_ed25519_encrypted-cert.pub");
  REQUIRE_FALSE(material.has_value());
  CHECK(material.error().message == "certificate \"" + kKeys +
                                        "id_ed25519_encrypted-cert.pub\" is not for private key \"" + kKeys +
                                        "id_ed25519\"");
}

TEST_CASE("a public key given as certificate is refused", "[unit][keys]") {
  const auto material = spe::load_key_material(kKeys + "id_ed25519", nullptr, kKeys + "id_ed25519.pub");
  REQUIRE_FALSE(material.has_value());
  CHECK(material.error().message == "certificate \"" + kKeys +
                                        "id_ed25519.pub\": unsupported certificate type "
                                        "\"ssh-ed25519\"");
}

TEST_CASE("valid_before is read from ed25519, RSA and ECDSA certificates", "[unit][keys]") {
  const auto [file, expected] = GENERATE(table<std::string, std::int64_t>({
      {"id_ed25519-cert.pub", 4102358400},  // 2099-12-31T00:00:00Z
      {"rsa-cert.pub", 1893456000},         // 2030-01-01T00:00:00Z
      {"ecdsa_p384-cert.pub", 2208988800},  // 2040-01-01T00:00:00Z
  }));
  CAPTURE(file);
  const auto valid_before = spe::certificate_valid_before(blob_of(kKeys + file));
  REQUIRE(valid_before.has_value());
  CHECK(*valid_before == std::optional<std::int64_t>(expected));
}

TEST_CASE("a certificate valid forever reads as no expiry", "[unit][keys]") {
  const auto valid_before = spe::certificate_valid_before(blob_of(kKeys + "id_ed25519_encrypted-cert.pub"));
  REQUIRE(valid_before.has_value());
  CHECK_FALSE(valid_before->has_value());
}

TEST_CASE("a truncated certificate blob is an error at every cut", "[unit][keys]") {
  const std::string blob = blob_of(kKeys + "id_ed25519-cert.pub");
  // valid_before ends at byte 168: type, nonce, pk, serial, type, key id, principals, 2 times.
  const std::size_t cut = GENERATE(0, 3, 10, 40, 80, 110, 120, 139, 152, 160, 167);
  CAPTURE(cut);
  const auto valid_before = spe::certificate_valid_before(blob.substr(0, cut));
  REQUIRE_FALSE(valid_before.has_value());
  CHECK(valid_before.error().code == spe::ErrorCode::invalid_argument);
  CHECK(valid_before.error().message == "certificate is truncated");
}

TEST_CASE("an unknown certificate type is an error naming the type", "[unit][keys]") {
  const std::string type = "ssh-foo-cert-v01@openssh.com";
  const std::string blob = std::string("\0\0\0\x1c", 4) + type + std::string(64, '\0');
  const auto valid_before = spe::certificate_valid_before(blob);
  REQUIRE_FALSE(valid_before.has_value());
  CHECK(valid_before.error().message == "unsupported certificate type \"ssh-foo-cert-v01@openssh.com\"");
}

TEST_CASE("an encrypted PEM key loads with its passphrase and not without", "[unit][keys]") {
  const spe::Secret right("test-passphrase");
  const auto loaded = spe::load_key_material(kKeys + "ecdsa_pem_encrypted", &right, "");
  REQUIRE(loaded.has_value());
  CHECK(ssh_key_type(loaded->key.get()) == SSH_KEYTYPE_ECDSA_P256);

  const auto refused = spe::load_key_material(kKeys + "ecdsa_pem_encrypted", nullptr, "");
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message ==
        "cannot decrypt private key \"" + kKeys + "ecdsa_pem_encrypted\" (wrong or missing passphrase?)");
}
